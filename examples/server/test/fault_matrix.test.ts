/**
 * The fault matrix with tsalive on both ends (integration, real time over loopback): tsalive-ssh → fault proxy →
 * tsalive-sshd, both run from their sources. One side's liveness at a time, so each verdict is that side's own:
 * ServerAlive in tsalive-ssh, ClientAlive in tsalive-sshd, each at I = 1 s, C = 1, so dead 2 s after the last byte
 * that got through. The proxy's clock of the last byte forwarded times the silence; a log line's arrival times the
 * verdict. Never early, at most 50 ms late; a reset ends both at once; a 300 ms-RTT link is no death.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type FaultProxy,
  generateKey,
  makeTempDir,
  registerCleanup,
  skipUnlessPeers,
  startProxy,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";

after(stopAll);

const source = (path: string): string[] => [
  "--conditions=tsalive-source",
  "--import",
  "tsx",
  fileURLToPath(new URL(path, import.meta.url)),
];
const SSHD = source("../src/main.ts");
const SSH = source("../../cli/src/main.ts");
const BOUND = 2000;
const LATE = 50;
const user = process.env.USER ?? "root";

/** A child whose stderr lines are kept with their arrival times. */
interface Logged {
  readonly child: ChildProcess;
  /** `performance.now()` when the first line matching `pattern` arrived, or `NaN`. */
  at(pattern: RegExp): number;
  text(): string;
  stop(): Promise<void>;
}

function logged(name: string, args: readonly string[]): Logged {
  const child = spawn(process.execPath, [...args], { stdio: ["ignore", "ignore", "pipe"] });
  const lines: { readonly line: string; readonly at: number }[] = [];
  let partial = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    const at = performance.now();
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) lines.push({ line, at });
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  const unregister = registerCleanup(name, stop, () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return {
    child,
    at: (pattern) => lines.find(({ line }) => pattern.test(line))?.at ?? Number.NaN,
    text: () => lines.map(({ line }) => line).join("\n"),
    stop,
  };
}

interface Pair {
  readonly proxy: FaultProxy;
  readonly sshd: Logged;
  readonly ssh: Logged;
}

/** tsalive-sshd with `serverLines` in its sshd_config, and tsalive-ssh through a proxy with `clientOptions`. */
async function pair(
  serverLines: readonly string[],
  clientOptions: readonly string[],
  body: (p: Pair) => Promise<void>,
) {
  const dir = makeTempDir("tsalive-matrix-");
  const host = generateKey(dir.join("host_key"));
  const key = generateKey(dir.join("client_key"));
  writeFileSync(dir.join("authorized_keys"), `${key.publicKey}\n`);
  writeFileSync(
    dir.join("sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `HostKey ${host.privatePath}`,
      `AuthorizedKeysFile ${dir.join("authorized_keys")}`,
      // The throwaway keys live under /tmp, whose mode StrictModes refuses, as sshd does.
      "StrictModes no",
      ...serverLines,
      "",
    ].join("\n"),
  );
  const sshd = logged("tsalive-sshd (matrix)", [...SSHD, "-D", "-d", "-f", dir.join("sshd_config"), "-p", "0"]);
  let proxy: FaultProxy | undefined;
  let ssh: Logged | undefined;
  try {
    await waitUntil(() => !Number.isNaN(sshd.at(/^Server listening on 127\.0\.0\.1 port [0-9]+\./)), {
      timeout: 15_000,
      what: "tsalive-sshd to listen",
    });
    const port = Number(/Server listening on 127\.0\.0\.1 port ([0-9]+)\./.exec(sshd.text())?.[1]);
    proxy = await startProxy({ target: { port } });
    ssh = logged("tsalive-ssh (matrix)", [
      ...SSH,
      "-v",
      "-F",
      "none",
      ...["-i", key.privatePath, "-p", String(proxy.port)],
      ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes"],
      ...clientOptions.flatMap((option) => ["-o", option]),
      `${user}@127.0.0.1`,
      "echo ready >&2; exec sleep 60",
    ]);
    const client = ssh;
    await waitUntil(() => !Number.isNaN(client.at(/^ready$/)), { timeout: 15_000, what: "the remote command" });
    await body({ proxy, sshd, ssh });
  } finally {
    await ssh?.stop();
    await proxy?.close();
    await sshd.stop();
    dir.remove();
  }
}

/** Asserts that `side` logged `pattern` at the proxy's last byte of `direction` + BOUND, within [-1, +LATE] ms. */
async function expectVerdict(
  { proxy }: Pair,
  side: Logged,
  pattern: RegExp,
  direction: "up" | "down",
): Promise<string> {
  await waitUntil(() => !Number.isNaN(side.at(pattern)), { timeout: BOUND + 3000, what: `${pattern}` });
  const silence = side.at(pattern) - proxy.bytes(direction).lastForwardedAt;
  assert.ok(silence >= BOUND - 1, `${pattern} ${silence.toFixed(1)} ms after the last byte, before ${BOUND} ms`);
  assert.ok(silence <= BOUND + LATE, `${pattern} ${silence.toFixed(1)} ms after the last byte, bound ${BOUND} ms`);
  return `${silence.toFixed(1)} ms after the last byte through (bound ${BOUND} ms)`;
}

const SERVER_ALIVE = ["ServerAliveInterval=1", "ServerAliveCountMax=1"];
const CLIENT_ALIVE = ["ClientAliveInterval 1", "ClientAliveCountMax 1"];
const CLIENT_DEAD = /^Timeout, server 127\.0\.0\.1 not responding\.$/;
const SERVER_DEAD = /^Timeout, client not responding from user \S+ 127\.0\.0\.1 port [0-9]+$/;

describe("fault matrix, tsalive-ssh against tsalive-sshd", { skip: skipUnlessPeers("ssh") }, () => {
  for (const direction of ["up", "down"] as const) {
    const dark = direction === "up" ? "client to server" : "server to client";

    it(`one-way blackhole ${dark}: tsalive-ssh's ServerAlive gives up 2 s after the server's last byte`, async (t) => {
      await pair([], SERVER_ALIVE, async (p) => {
        await waitUntil(() => /ServerAlive reply/.test(p.ssh.text()), { timeout: 5000, what: "a probe reply" });
        p.proxy.set(direction, { mode: "blackhole" });
        t.diagnostic(await expectVerdict(p, p.ssh, CLIENT_DEAD, "down"));
      });
    });

    it(`one-way blackhole ${dark}: tsalive-sshd's ClientAlive gives up 2 s after the client's last byte`, async (t) => {
      await pair(CLIENT_ALIVE, [], async (p) => {
        await waitUntil(() => /ClientAlive reply/.test(p.sshd.text()), { timeout: 5000, what: "a probe reply" });
        p.proxy.set(direction, { mode: "blackhole" });
        t.diagnostic(await expectVerdict(p, p.sshd, SERVER_DEAD, "up"));
      });
    });
  }

  it("a TCP RST ends both at once, with no liveness verdict on either side", async () => {
    await pair(CLIENT_ALIVE, SERVER_ALIVE, async (p) => {
      await waitUntil(() => /ServerAlive reply/.test(p.ssh.text()), { timeout: 5000, what: "a probe reply" });
      const reset = performance.now();
      p.proxy.reset();
      const exited = await Promise.race([
        new Promise<number>((resolve) => p.ssh.child.once("exit", () => resolve(performance.now()))),
        new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 2000)),
      ]);
      assert.ok(exited - reset < 300, `tsalive-ssh exited ${(exited - reset).toFixed(0)} ms after the reset`);
      assert.equal(p.ssh.child.exitCode, 255);
      await new Promise((resolve) => setTimeout(resolve, BOUND + 200));
      assert.ok(Number.isNaN(p.ssh.at(CLIENT_DEAD)), p.ssh.text());
      assert.ok(Number.isNaN(p.sshd.at(SERVER_DEAD)), p.sshd.text());
    });
  });

  it("a 300 ms-RTT link at I = 1 s, C = 1 on both sides is no death", async () => {
    await pair(CLIENT_ALIVE, SERVER_ALIVE, async (p) => {
      p.proxy.set("both", { mode: "delay", ms: 150 });
      await new Promise((resolve) => setTimeout(resolve, 6000));
      assert.equal(p.ssh.child.exitCode, null, p.ssh.text());
      assert.ok(Number.isNaN(p.ssh.at(CLIENT_DEAD)));
      assert.ok(Number.isNaN(p.sshd.at(SERVER_DEAD)));
      const rtts = [...p.ssh.text().matchAll(/ServerAlive reply, rtt ([0-9.]+) ms/g)].map((m) => Number(m[1]));
      assert.ok(
        rtts.some((rtt) => rtt >= 300 - 5),
        `client RTTs ${rtts.join(", ")} over a 300 ms link`,
      );
    });
  });
});
