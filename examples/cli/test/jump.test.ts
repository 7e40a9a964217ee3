/**
 * Integration (three real sshd on loopback, the fault proxy in front of the middle one): ProxyJump as ssh_config
 * writes it (the target's ProxyJump is `inner`, whose own ProxyJump is `bastion`), `--reconnect` through the chain
 * after the middle hop is blackholed (the -L forward works again), and an auth failure at a jump host that is never
 * retried.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  type FaultProxy,
  firstBytes,
  freePort,
  makeTempDir,
  type Sshd,
  skipUnlessPeers,
  startProxy,
  startSshd,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";
import { RUN } from "./_run.ts";

after(stopAll);

function run(argv: readonly string[]) {
  const child = spawn(process.execPath, [...RUN, ...argv], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TSALIVE_GATETIME: "0" },
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output, exited };
}

describe("ProxyJump chains", { skip: skipUnlessPeers("sshd") }, () => {
  let bastion: Sshd;
  let inner: Sshd;
  let target: Sshd;
  let proxy: FaultProxy;
  let config: string;
  const dir = makeTempDir("tsalive-jump-");
  before(async () => {
    [bastion, inner, target] = await Promise.all([startSshd(), startSshd(), startSshd()]);
    proxy = await startProxy({ target: { port: inner.port } });
    config = dir.join("ssh_config");
    writeFileSync(
      config,
      [
        "Host bastion",
        `  HostName 127.0.0.1`,
        `  Port ${bastion.port}`,
        `  IdentityFile ${bastion.clientKey.privatePath}`,
        "Host inner",
        "  HostName 127.0.0.1",
        `  Port ${proxy.port}`,
        `  IdentityFile ${inner.clientKey.privatePath}`,
        "  ProxyJump bastion",
        "Host target",
        "  HostName 127.0.0.1",
        `  Port ${target.port}`,
        `  IdentityFile ${target.clientKey.privatePath}`,
        "  ProxyJump inner",
        "Host *",
        `  User ${target.user}`,
        "  StrictHostKeyChecking no",
        "  UserKnownHostsFile /dev/null",
        "  ServerAliveInterval 1",
        "  ServerAliveCountMax 1",
        "",
      ].join("\n"),
    );
  });
  after(async () => {
    await proxy.close();
    await Promise.all([bastion.stop(), inner.stop(), target.stop()]);
    dir.remove();
  });

  it("runs a command on the target through bastion and inner", async () => {
    const { output, exited } = run(["-F", config, "target", "echo", "$SSH_CONNECTION"]);
    assert.equal(await exited, 0, output.stderr);
    // The target's sshd sees the connection from inner's direct-tcpip, on loopback.
    assert.match(output.stdout, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+/);
  });

  it("--reconnect: a blackholed middle hop dies by ServerAlive, the chain comes back and -L forwards again", async () => {
    const local = await freePort();
    const { child, output } = run([
      "-F",
      config,
      "--reconnect",
      "-N",
      "-L",
      `${local}:127.0.0.1:${target.port}`,
      "target",
    ]);
    try {
      await waitUntil(async () => (await firstBytes(local)).startsWith("SSH-2.0-OpenSSH"), {
        timeout: 10_000,
        what: "the forward",
      });
      const before = proxy.acceptedConnections;
      proxy.set("both", { mode: "blackhole" });
      await waitUntil(() => output.stderr.includes("Timeout, server 127.0.0.1 not responding."), {
        timeout: 6000,
        what: "ServerAlive death",
      });
      proxy.set("both", { mode: "pass" });
      await waitUntil(() => /reconnecting to 127\.0\.0\.1 in (0\.[89]|1\.0) s \(attempt 2\)/.test(output.stderr), {
        timeout: 2000,
        what: "the supervisor's retry",
      });
      await waitUntil(() => proxy.acceptedConnections > before, { timeout: 6000, what: "a new connection to inner" });
      await waitUntil(async () => (await firstBytes(local)).startsWith("SSH-2.0-OpenSSH"), {
        timeout: 10_000,
        what: "the forward again",
      });
      assert.equal(child.exitCode, null, output.stderr);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });

  it("--reconnect: an auth failure at a jump host is not retried", async () => {
    // The jump host 127.0.0.1 is a Host of its own: it gets none of the target's -i or -o (as ssh.c runs it),
    // only the default identities, which the bastion does not accept.
    const started = performance.now();
    const { output, exited } = run([
      "-F",
      config,
      "--reconnect",
      "-J",
      `${bastion.user}@127.0.0.1:${bastion.port}`,
      "-o",
      "IdentitiesOnly=yes",
      "-i",
      target.clientKey.privatePath,
      "target",
      "true",
    ]);
    assert.equal(await exited, 255, output.stderr);
    assert.match(output.stderr, /Permission denied \(publickey\)\./);
    assert.doesNotMatch(output.stderr, /reconnecting/);
    assert.ok(performance.now() - started < 10_000);
  });
});
