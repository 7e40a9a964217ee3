/**
 * Integration test of the peer launchers against the real OpenSSH and Dropbear binaries on loopback (real time,
 * every wait bounded). Skipped with a reason when a peer is missing, never under CI=true.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  isRunning,
  listProcesses,
  pendingCleanups,
  readProcess,
  skipUnlessPeers,
  spawnProcess,
  startDropbear,
  startSshd,
  stopAll,
  toDropbearKey,
  waitUntil,
} from "../src/index.ts";

const run = promisify(execFile);
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

function sshArgs(port: number, user: string, key: string, command: string): string[] {
  return [
    ...["-i", key, "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
    ...["-o", "BatchMode=yes", "-o", "LogLevel=ERROR", `${user}@127.0.0.1`, command],
  ];
}

async function ssh(port: number, user: string, key: string, command: string): Promise<string> {
  const { stdout } = await run("ssh", sshArgs(port, user, key, command), { timeout: 10_000 });
  return stdout.trim();
}

describe("startSshd", { skip: skipUnlessPeers("sshd", "ssh") }, () => {
  it("runs sshd on an ephemeral loopback port, logs in with the throwaway key, and stops every process", async () => {
    const sshd = await startSshd({ config: ["ClientAliveInterval 7"] });
    assert.match(await banner(sshd.port), /^SSH-2\.0-OpenSSH/);
    assert.match(readFileSync(sshd.configFile, "utf8"), /^ClientAliveInterval 7\n/);
    // The per-connection process is the remote shell's parent, and a child of the listener.
    const client = spawnProcess(
      "ssh",
      sshArgs(sshd.port, sshd.user, sshd.clientKey.privatePath, "echo $PPID; sleep 20"),
    );
    const [, ppid] = await client.waitForOutput(/^(\d+)$/m, 10_000);
    assert.deepEqual(sshd.connectionPids(), [Number(ppid)]);
    await sshd.waitForLog(/Accepted publickey for/);
    const dir = sshd.dir.path;
    const pids = sshd.allPids();
    // The server first: a remote command outlives a client that leaves (no pty, no SIGHUP), out of the tree's reach.
    await sshd.stop();
    await client.stop();
    for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} of the server still runs`);
    assert.equal(existsSync(dir), false);
  });

  it("freezes and thaws a connection process", async () => {
    const sshd = await startSshd();
    const pending = ssh(sshd.port, sshd.user, sshd.clientKey.privatePath, "sleep 1; echo done");
    let connection: number | undefined;
    for (let i = 0; i < 100 && connection === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      connection = sshd.connectionPids()[0];
    }
    assert.ok(connection !== undefined, "a per-connection process appears");
    // Stopped ('T') while frozen, running again after SIGCONT.
    sshd.process.freeze();
    await waitUntil(() => readProcess(sshd.pid)?.stat === "T", { timeout: 2000, what: "sshd to stop" });
    sshd.process.thaw();
    assert.equal(await pending, "done");
    await sshd.stop();
  });
});

describe("startDropbear", { skip: skipUnlessPeers("dropbear", "ssh", "dbclient") }, () => {
  it("runs dropbear for a throwaway user and removes the user afterwards", async () => {
    const dropbear = await startDropbear();
    assert.match(dropbear.user, /^tsalive-test-[0-9a-f]{8}$/);
    assert.match(await banner(dropbear.port), /^SSH-2\.0-dropbear/);
    const whoami = await ssh(dropbear.port, dropbear.user, dropbear.clientKey.privatePath, "whoami");
    assert.equal(whoami, dropbear.user);
    const client = spawnProcess(
      "ssh",
      sshArgs(dropbear.port, dropbear.user, dropbear.clientKey.privatePath, "echo $PPID; sleep 20"),
    );
    const [, ppid] = await client.waitForOutput(/^(\d+)$/m, 10_000);
    assert.deepEqual(dropbear.connectionPids(), [Number(ppid)]);
    await client.stop();
    // dbclient logs in with the converted key.
    const identity = toDropbearKey(dropbear.clientKey);
    const { stdout } = await run(
      "dbclient",
      ["-y", "-y", "-i", identity, "-p", String(dropbear.port), `${dropbear.user}@127.0.0.1`, "echo db"],
      { timeout: 10_000 },
    );
    assert.equal(stdout.trim(), "db");
    await dropbear.stop();
    assert.equal(isRunning(dropbear.pid), false);
    assert.doesNotMatch(readFileSync("/etc/passwd", "utf8"), new RegExp(`^${dropbear.user}:`, "m"));
    assert.equal(existsSync(`/home/${dropbear.user}`), false);
  });
});

describe("cleanup", () => {
  it("leaves nothing registered and no peer process behind", async () => {
    await stopAll();
    assert.deepEqual(pendingCleanups(), []);
    const leftovers = listProcesses().filter(
      (entry) => entry.ppid === process.pid && entry.stat !== "Z" && /sshd|dropbear/.test(entry.args),
    );
    assert.deepEqual(leftovers, []);
  });
});
