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

/** PIDs of the processes in mount namespace `namespace`. */
function processesIn(namespace: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => mountNamespace(pid) === namespace);
}

/** Checks that `pids` ended and, for a root generation, that their namespace is empty and nothing shows mounted. */
function assertNothingLeft(generation: string, pids: readonly number[], namespaces: readonly string[]): void {
  for (const pid of pids)
    assert.equal(isRunning(pid), false, `pid ${pid} still runs: ${JSON.stringify(readProcess(pid))}`);
  for (const namespace of namespaces) assert.deepEqual(processesIn(namespace), [], `processes left in ${namespace}`);
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
      const pids = [...sshd.allPids(), ssh.pid];
      if (!PEERS[generation].host) namespaces.push(mountNamespace(ssh.pid) as string);
      // The server first, while the session runs: a command outlives a client that leaves (no pty, no SIGHUP).
      await sshd.stop();
      await ssh.stop();
      assertNothingLeft(generation, pids, namespaces);
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
      await dropbear.stop();
      await db.stop();
      assertNothingLeft(generation, pids, namespaces);
    });
  });
}
