/**
 * Integration (real sshd behind the fault proxy): `--reconnect` notices a dead link through ServerAlive, reconnects
 * with backoff and the `-L` forward works again on the same local port.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, it } from "node:test";
import {
  firstBytes,
  freePort,
  skipUnlessPeers,
  startProxy,
  startSshd,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";
import { RUN } from "./_run.ts";

after(stopAll);

it("--reconnect: a blackholed link dies by ServerAlive, comes back, and -L forwards again", {
  skip: skipUnlessPeers("sshd"),
}, async () => {
  const sshd = await startSshd();
  const proxy = await startProxy({ target: { port: sshd.port } });
  const local = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...RUN,
      "-F",
      "none",
      "--reconnect",
      "-N",
      "-L",
      `${local}:127.0.0.1:${sshd.port}`,
      "-i",
      sshd.clientKey.privatePath,
      "-p",
      String(proxy.port),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "ServerAliveInterval=1",
      "-o",
      "ServerAliveCountMax=1",
      `${sshd.user}@127.0.0.1`,
    ],
    // No gate time: the first connection lives only a few seconds here (autossh's default gate is 30 s).
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, TSALIVE_GATETIME: "0" } },
  );
  let stderr = "";
  let diedAt = Number.NaN;
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    if (Number.isNaN(diedAt) && stderr.includes("Timeout, server 127.0.0.1 not responding."))
      diedAt = performance.now();
  });

  try {
    await waitUntil(async () => (await firstBytes(local)).startsWith("SSH-2.0-OpenSSH"), {
      timeout: 10_000,
      what: "the forward",
    });
    const connectionsBefore = proxy.acceptedConnections;
    proxy.set("both", { mode: "blackhole" });
    await waitUntil(() => stderr.includes("Timeout, server 127.0.0.1 not responding."), {
      timeout: 6000,
      what: "ServerAlive death",
    });
    // The proxy's clock of the last byte that got through from the server, not tsalive's own.
    const silence = diedAt - proxy.bytes("down").lastForwardedAt;
    // ServerAliveInterval 1, CountMax 1: dead (C+1)·I = 2 s after the last byte from the server, never earlier.
    assert.ok(silence >= 2000 - 5, `dead ${silence.toFixed(0)} ms after the server's last byte, before 2000 ms`);
    assert.ok(silence <= 2000 + 250, `dead ${silence.toFixed(0)} ms after the server's last byte, bound 2000 ms`);
    proxy.set("both", { mode: "pass" });
    // The reconnect line follows the Timeout line in a write of its own, which may arrive in a later chunk.
    await waitUntil(() => stderr.includes("tsalive-ssh: reconnecting to"), {
      timeout: 2000,
      what: "the reconnect line",
    });
    // 1 s less up to 20 % jitter, before the second attempt.
    assert.match(stderr, /tsalive-ssh: reconnecting to 127\.0\.0\.1 in (0\.[89]|1\.0) s \(attempt 2\)/);
    await waitUntil(() => proxy.acceptedConnections > connectionsBefore, {
      timeout: 6000,
      what: "a new connection",
    });
    await waitUntil(async () => (await firstBytes(local)).startsWith("SSH-2.0-OpenSSH"), {
      timeout: 10_000,
      what: "the forward again",
    });
    assert.equal(child.exitCode, null, stderr);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await proxy.close();
    await sshd.stop();
  }
});
