/**
 * Integration (real sshd on loopback): SIGUSR1 makes tsalive-ssh log its connection's liveness: the last inbound
 * packet's age, unanswered probes, the last RTT and the open channels (the command's session).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, it } from "node:test";
import { skipUnlessPeers, startSshd, stopAll, waitUntil } from "@tsalive/test-support";
import { RUN } from "./_run.ts";

after(stopAll);

it("SIGUSR1 logs the connection's liveness", { skip: skipUnlessPeers("sshd") }, async () => {
  const sshd = await startSshd();
  const child = spawn(
    process.execPath,
    [
      ...RUN,
      "-F",
      "none",
      "-v",
      "-i",
      sshd.clientKey.privatePath,
      "-p",
      String(sshd.port),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "ServerAliveInterval=1",
      `${sshd.user}@127.0.0.1`,
      "sleep 30",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  try {
    await waitUntil(() => /ServerAlive reply, rtt/.test(stderr), { timeout: 15_000, what: "a ServerAlive reply" });
    child.kill("SIGUSR1");
    const pattern =
      /connection to \S+@127\.0\.0\.1 port [0-9]+: (running|probing), last inbound [0-9.]+ s ago, [0-9] unanswered probes?, last rtt [0-9.]+ ms, [0-9]+ probes? sent, [0-9]+ heartbeats? sent, channel 0 session:exec\n/;
    await waitUntil(() => pattern.test(stderr), { timeout: 5000, what: "the SIGUSR1 line" });
    assert.equal(child.exitCode, null, stderr);
  } finally {
    child.kill("SIGTERM");
    await Promise.race([
      new Promise((resolve) => child.once("exit", resolve)),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await sshd.stop();
  }
});
