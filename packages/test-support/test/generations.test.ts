/**
 * Every peer generation starts, reports the version PEERS names, logs in, and leaves nothing behind (integration,
 * real binaries on loopback, real time, every wait bounded): each generation's sshd with its own ssh, its Dropbear
 * with its own dbclient. A root generation's peers run in a private mount namespace; once stopped, no process is
 * left in it (so its mounts are gone with it) and the host's mount table never shows the root.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect } from "node:net";
import { after, describe, it } from "node:test";
import {
  GENERATIONS,
  isRunning,
  PEERS,
  readProcess,
  rootsDir,
  skipUnlessGeneration,
  spawnPeer,
  startDbclient,
  startDropbear,
  startSshClient,
  startSshd,
  stopAll,
  toDropbearKey,
} from "../src/index.ts";

after(stopAll);

function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(5000, () => socket.destroy(new Error("no banner within 5 s")));
    socket.once("data", (chunk: Buffer) => {
      socket.destroy();
      resolve(chunk.toString("latin1").split("\r\n")[0] ?? "");
    });
    socket.once("error", reject);
  });
}

/** The mount namespace of `pid` (`mnt:[4026531841]`), or undefined once it is gone. */
function mountNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** When `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat), or undefined once it is gone. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return undefined;
  }
}

/** Now, in the same clock ticks (USER_HZ, 100 on Linux). */
function nowTicks(): number {
  return Math.floor(Number.parseFloat(readFileSync("/proc/uptime", "utf8")) * 100);
}

/**
 * The processes in mount namespace `namespace` that started before `before` (ticks): a namespace's number is
 * reused once it is gone, and other peers (other test runs) start namespaces all the time, so a process that
 * started after the stop began is in a new namespace that only has the old one's number.
 */
function processesIn(namespace: string, before: number): string[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => mountNamespace(pid) === namespace && (startTicks(pid) ?? before) < before)
    .map((pid) => JSON.stringify(readProcess(pid)));
}

/**
 * Checks that `pids` ended and, for a root generation, that no process that started before `stoppedAt` (ticks) is
 * left in their namespaces (so their mounts are gone) and that the host's mount table never shows the roots.
 */
function assertNothingLeft(
  generation: string,
  pids: readonly number[],
  namespaces: readonly string[],
  stoppedAt: number,
): void {
  for (const pid of pids)
    assert.equal(isRunning(pid), false, `pid ${pid} still runs: ${JSON.stringify(readProcess(pid))}`);
  for (const namespace of namespaces) {
    assert.deepEqual(processesIn(namespace, stoppedAt), [], `processes left in ${namespace}`);
  }
  const mounts = readFileSync("/proc/self/mountinfo", "utf8");
  assert.equal(mounts.includes(rootsDir()), false, `the host's mount table shows ${rootsDir()} after ${generation}`);
}

const literal = (text: string): string => text.replaceAll(".", "\\.");

for (const generation of GENERATIONS) {
  const { opensshVersion, dropbearVersion } = PEERS[generation];
  describe(`${generation}: OpenSSH ${opensshVersion}, Dropbear ${dropbearVersion}`, () => {
    it(`sshd and ssh report OpenSSH_${opensshVersion}, log in, and stop leaving nothing behind`, {
      skip: skipUnlessGeneration(generation, "sshd", "ssh"),
    }, async () => {
      const sshd = await startSshd({ generation });
      assert.equal(sshd.generation, generation);
      const namespaces = PEERS[generation].host ? [] : [mountNamespace(sshd.pid) as string];
      if (!PEERS[generation].host) assert.notEqual(namespaces[0], mountNamespace(process.pid));
      assert.match(await banner(sshd.port), new RegExp(`^SSH-2\\.0-OpenSSH_${literal(opensshVersion)}[ \\r]`));
      const ssh = startSshClient({
        generation,
        port: sshd.port,
        user: sshd.user,
        identity: sshd.clientKey.privatePath,
        command: "echo ppid=$PPID; sleep 20",
        verbose: true,
      });
      const [, ppid] = await ssh.waitForOutput(/^ppid=(\d+)$/m, 10_000);
      // ssh -vvv names its own version, then the server's, as the banner said.
      assert.match(ssh.output, new RegExp(`Local version string SSH-2\\.0-OpenSSH_${literal(opensshVersion)}\\b`));
      assert.match(ssh.output, new RegExp(`remote software version OpenSSH_${literal(opensshVersion)}\\b`));
      assert.deepEqual(sshd.connectionPids(), [Number(ppid)]);
      // A session with a pty works too (the root sees the host's /dev/pts).
      const tty = startSshClient({
        generation,
        port: sshd.port,
        user: sshd.user,
        identity: sshd.clientKey.privatePath,
        command: "tty",
        args: ["-tt"],
      });
      assert.equal((await tty.exited).code, 0, tty.output);
      assert.match(tty.output, /^\/dev\/pts\/\d+\r?$/m);
      const pids = [...sshd.allPids(), ssh.pid];
      if (!PEERS[generation].host) namespaces.push(mountNamespace(ssh.pid) as string);
      // The server first, while the session runs: a command outlives a client that leaves (no pty, no SIGHUP).
      const stoppedAt = nowTicks();
      await sshd.stop();
      await ssh.stop();
      assertNothingLeft(generation, pids, namespaces, stoppedAt);
    });

    it(`dropbear and dbclient report Dropbear ${dropbearVersion}, log in, and stop leaving nothing behind`, {
      skip: skipUnlessGeneration(generation, "dropbear", "dbclient"),
    }, async () => {
      for (const peer of ["dropbear", "dbclient"] as const) {
        const version = spawnPeer(generation, peer, ["-V"]);
        await version.exited;
        assert.match(version.output, new RegExp(`Dropbear (?:\\w+ )?v${literal(dropbearVersion)}\\b`), `${peer} -V`);
      }
      const dropbear = await startDropbear({ generation });
      assert.equal(dropbear.generation, generation);
      const namespaces = PEERS[generation].host ? [] : [mountNamespace(dropbear.pid) as string];
      assert.match(await banner(dropbear.port), new RegExp(`^SSH-2\\.0-dropbear_${literal(dropbearVersion)}\\b`));
      const db = startDbclient({
        generation,
        port: dropbear.port,
        user: dropbear.user,
        identity: toDropbearKey(dropbear.clientKey),
        command: "echo ppid=$PPID; sleep 20",
      });
      const [, ppid] = await db.waitForOutput(/^ppid=(\d+)$/m, 10_000);
      assert.deepEqual(dropbear.connectionPids(), [Number(ppid)]);
      const pids = [...dropbear.allPids(), db.pid];
      if (!PEERS[generation].host) namespaces.push(mountNamespace(db.pid) as string);
      const stoppedAt = nowTicks();
      await dropbear.stop();
      await db.stop();
      assertNothingLeft(generation, pids, namespaces, stoppedAt);
    });
  });
}
