/**
 * Integration (real OpenSSH client, frozen with SIGSTOP): tsalive-sshd's Watchdog and ClientAlive, chosen per
 * connection by Match, end a silent client in sshd's words and stop its processes; a pty through node-pty.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, describe, it } from "node:test";
import {
  freeze,
  isRunning,
  skipUnlessPeers,
  startDbclient,
  startProxy,
  startSshClient,
  stopAll,
  thaw,
  toDropbearKey,
  waitUntil,
} from "@tsalive/test-support";
import { loadPty } from "../src/pty.ts";
import { startTsaliveSshd } from "./_server.ts";

after(stopAll);
const user = process.env.USER ?? "root";

describe("tsalive-sshd liveness against a frozen ssh", { skip: skipUnlessPeers("ssh") }, () => {
  it("WatchdogTimeout from a Match block kills the session's process tree, then closes", async () => {
    const server = await startTsaliveSshd([], ["Match Address 127.0.0.1", "  WatchdogTimeout 2"]);
    // Through a proxy: its clock of the client's last byte times the silence, not tsalive-sshd's own.
    const proxy = await startProxy({ target: { port: server.port } });
    const ssh = startSshClient({
      port: proxy.port,
      user,
      identity: server.clientKey.privatePath,
      command: "sleep 600 & sleep 600",
    });
    try {
      const group = Number(
        (await server.waitForLog(/command "sleep 600 & sleep 600" over pipes, session ([0-9]+)/))[1],
      );
      freeze([ssh.pid]);
      await server.waitForLog(/Watchdog timeout, no data from user \S+ 127\.0\.0\.1 port [0-9]+/, 8000);
      const silence = performance.now() - proxy.bytes("up").lastForwardedAt;
      // Logged once they are gone: the two sleeps and the shell that runs them.
      const line = await server.waitForLog(
        /Watchdog: stopped 3 processes of user \S+ [0-9.]+ port [0-9]+: (.*)\n/,
        8000,
      );
      // Never early; late by at most the log pipe and waitForLog's 25 ms poll on a loaded machine.
      assert.ok(
        silence >= 2000 - 5,
        `watchdog fired ${silence.toFixed(0)} ms after the client's last byte, before 2 s`,
      );
      assert.ok(silence <= 2000 + 300, `watchdog fired ${silence.toFixed(0)} ms after the client's last byte (2 s)`);
      const pids = [...(line[1] as string).matchAll(/([0-9]+) \(/g)].map((m) => Number(m[1]));
      assert.ok(pids.includes(group) && pids.length === 3, line[1]);
      await waitUntil(() => pids.every((pid) => !isRunning(pid)), {
        timeout: 5000,
        what: "the session's processes to exit",
      });
    } finally {
      thaw([ssh.pid]);
      await ssh.stop();
      await proxy.close();
      await server.stop();
    }
  });

  it("ClientAliveInterval from Match User: dead at (C+1)·I after the last packet, in sshd's words", async () => {
    const server = await startTsaliveSshd([
      "ClientAliveInterval 0",
      `Match User ${user}`,
      "  ClientAliveInterval 1",
      "  ClientAliveCountMax 2",
    ]);
    const proxy = await startProxy({ target: { port: server.port } });
    const ssh = startSshClient({
      port: proxy.port,
      user,
      identity: server.clientKey.privatePath,
      command: "sleep 600",
    });
    try {
      await server.waitForLog(/command "sleep 600"/);
      // Let one probe be answered, proving probing runs for this user, then freeze right after an answer.
      await server.waitForLog(/ClientAlive reply from/, 5000);
      freeze([ssh.pid]);
      await server.waitForLog(/Timeout, client not responding from user \S+ 127\.0\.0\.1 port [0-9]+/, 8000);
      const silence = performance.now() - proxy.bytes("up").lastForwardedAt;
      // (C+1)·I = 3 s after the client's last byte, from the proxy's clock: never early, late by at most the log
      // pipe and waitForLog's 25 ms poll on a loaded machine.
      assert.ok(silence >= 3000 - 5, `dead ${silence.toFixed(0)} ms after the client's last byte, before 3 s`);
      assert.ok(silence <= 3000 + 300, `dead ${silence.toFixed(0)} ms after the client's last byte, bound 3 s`);
    } finally {
      thaw([ssh.pid]);
      await ssh.stop();
      await proxy.close();
      await server.stop();
    }
  });
});

describe("tsalive-sshd LoginGraceTime", () => {
  it("a client that stalls after its identification line is cut off after LoginGraceTime, in sshd's words", async () => {
    const server = await startTsaliveSshd(["LoginGraceTime 1"]);
    const { connect } = await import("node:net");
    const socket = connect(server.port, "127.0.0.1");
    socket.on("error", () => {});
    socket.resume(); // read (and drop) the server's banner and KEXINIT, so its close is seen
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    try {
      socket.write("SSH-2.0-stalling_client\r\n");
      const started = performance.now();
      await server.waitForLog(/Timeout before authentication for 127\.0\.0\.1 port [0-9]+/, 5000);
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seconds >= 0.9 && seconds <= 2, `cut off after ${seconds} s (LoginGraceTime 1)`);
      await closed;
    } finally {
      socket.destroy();
      await server.stop();
    }
  });
});

describe("tsalive-sshd sessions", { skip: skipUnlessPeers("ssh") }, () => {
  it("a pty when requested (node-pty; without it, said clearly and pipes), with the exit status", async () => {
    const server = await startTsaliveSshd();
    try {
      const result = spawnSync(
        "ssh",
        [
          "-tt",
          "-i",
          server.clientKey.privatePath,
          "-p",
          String(server.port),
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "BatchMode=yes",
          "-o",
          "LogLevel=ERROR",
          `${user}@127.0.0.1`,
          "tty; exit 4",
        ],
        { encoding: "utf8", timeout: 15_000 },
      );
      if ("spawn" in loadPty()) {
        assert.match(result.stdout, /^\/dev\/pts\/[0-9]+\r?\n/);
      } else {
        assert.match(result.stderr, /PTY allocation failed \(node-pty unavailable\)/);
        assert.match(server.log(), /node-pty is unavailable/);
      }
      assert.equal(result.status, 4);
    } finally {
      await server.stop();
    }
  });
});

describe("tsalive-sshd with Dropbear's client", { skip: skipUnlessPeers("dbclient") }, () => {
  it("dbclient logs in with a key and gets the remote exit status", async () => {
    const server = await startTsaliveSshd();
    try {
      const client = startDbclient({
        port: server.port,
        user,
        identity: toDropbearKey(server.clientKey),
        command: "echo from-dbclient; exit 9",
      });
      const exit = await client.exited;
      assert.match(client.output, /from-dbclient/);
      assert.equal(exit.code, 9, client.output);
    } finally {
      await server.stop();
    }
  });
});
