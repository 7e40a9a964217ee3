/**
 * `pnpm demo`: a dead link caught by both sides. tsalive-sshd (WatchdogTimeout 3) on an ephemeral loopback port
 * with a throwaway key; tsalive-ssh (ServerAliveInterval 1, ServerAliveCountMax 2) connecting through a fault
 * proxy and running a remote `sleep`; then the proxy freezes the link both ways. Prints a timeline, then one closing
 * line. Bounded to 20 s; everything it starts is stopped before it exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateKey, makeTempDir, startProxy, stopAll } from "@tsalive/test-support";

const DEADLINE = 20_000;
const I = 1;
const C = 2;
const WATCHDOG = 3;
const COMMAND = "sleep 600 & sleep 600";

const started = performance.now();
const at = () => (performance.now() - started) / 1000;
const stamp = (t: number) => `${t.toFixed(2).padStart(6)} s`;
const say = (who: string, text: string, t = at()) => console.log(`${stamp(t)}  ${who.padEnd(5)} ${text}`);

// Both programs from their TypeScript source, as the package scripts run (a stale dist/ never runs here).
const source = (path: string) => [
  "--conditions=tsalive-source",
  "--import",
  "tsx",
  fileURLToPath(new URL(path, import.meta.url)),
];
const sshBin = source("../src/main.ts");
const sshdBin = source("../../server/src/main.ts");

/** Calls `onLine` for each line a child writes to stderr. */
function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffer = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
      onLine(buffer.slice(0, nl).replace(/\r$/, ""));
      buffer = buffer.slice(nl + 1);
    }
  });
}

function waitFor<T>(what: string, register: (resolve: (value: T) => void) => void, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo: no ${what} within ${ms} ms`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Whether `pid` still runs: a zombie (exited, waiting for init to reap it) is gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}

const dir = makeTempDir("tsalive-demo-");
let sshd: ChildProcess | undefined;
let ssh: ChildProcess | undefined;
const guard = setTimeout(() => {
  console.error(`demo: not finished within ${DEADLINE / 1000} s; stopping`);
  process.exitCode = 1;
  void cleanup();
}, DEADLINE);

async function cleanup(): Promise<void> {
  clearTimeout(guard);
  await Promise.all([stopChild(ssh), stopChild(sshd)]);
  await stopAll();
  dir.remove();
}

try {
  const hostKey = generateKey(dir.join("host_key"), "tsalive-demo-host");
  const clientKey = generateKey(dir.join("client_key"), "tsalive-demo-client");
  writeFileSync(dir.join("authorized_keys"), `${clientKey.publicKey}\n`);
  writeFileSync(
    dir.join("sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey.privatePath}`,
      `AuthorizedKeysFile ${dir.join("authorized_keys")}`,
      // The keys are under /tmp (mode 1777): tsalive-sshd's StrictModes refuses them there, as sshd's does.
      "StrictModes no",
      "",
    ].join("\n"),
  );
  // tsalive's extension keywords live in their own file: OpenSSH's sshd would reject them in sshd_config.
  writeFileSync(dir.join("tsalive_config"), `WatchdogTimeout ${WATCHDOG}\n`);
  console.log(
    `tsalive demo: tsalive-ssh (ServerAliveInterval ${I}, ServerAliveCountMax ${C}) → fault proxy → tsalive-sshd (WatchdogTimeout ${WATCHDOG})`,
  );
  console.log("");

  // The server, on an ephemeral port.
  sshd = spawn(
    process.execPath,
    [...sshdBin, "-D", "-d", "-f", dir.join("sshd_config"), "--tsalive-config", dir.join("tsalive_config"), "-p", "0"],
    {
      stdio: ["ignore", "inherit", "pipe"],
    },
  );
  const serverLog: ((line: string) => void)[] = [];
  lines(sshd, (line) => {
    for (const listener of serverLog) listener(line);
  });
  const port = await waitFor<number>(
    "listening line from tsalive-sshd",
    (resolve) =>
      serverLog.push((line) => {
        const m = /^Server listening on 127\.0\.0\.1 port ([0-9]+)\./.exec(line);
        if (m) resolve(Number(m[1]));
      }),
    10_000,
  );
  say("sshd", `listening on 127.0.0.1 port ${port}`);
  const proxy = await startProxy({ target: { port }, lifetime: DEADLINE });
  say("proxy", `relaying 127.0.0.1 port ${proxy.port} → ${port}`);

  // Server events for the timeline.
  let group = 0;
  let watchdogAt = 0;
  let killed: { pid: number; command: string }[] = [];
  serverLog.push((line) => {
    const session = /^debug1: session: .* over pipes, session ([0-9]+)/.exec(line);
    if (session) group = Number(session[1]);
    if (line.startsWith("Accepted publickey")) say("sshd", line);
    if (line.startsWith("Watchdog timeout")) {
      watchdogAt = at();
      say("sshd", `DEAD: "${line}"`, watchdogAt);
    }
    // Logged once they are gone: `PID (COMMAND) SIGNAL, …; <what is out of reach>`.
    const stopped = /^Watchdog: stopped [0-9]+ process(?:es)? of .*?: (.*?); (.*)$/.exec(line);
    if (stopped) {
      killed = [...(stopped[1] as string).matchAll(/([0-9]+) \(([^)]*)\)/g)].map((m) => ({
        pid: Number(m[1]),
        command: m[2] as string,
      }));
      say("sshd", `watchdog stopped the session's processes: ${stopped[1]}`);
    }
  });

  // The client.
  ssh = spawn(
    process.execPath,
    [
      ...sshBin,
      "-v",
      "-F",
      "none",
      "-i",
      clientKey.privatePath,
      "-p",
      String(proxy.port),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "LogLevel=ERROR",
      "-o",
      `ServerAliveInterval=${I}`,
      "-o",
      `ServerAliveCountMax=${C}`,
      `${process.env.USER ?? "root"}@127.0.0.1`,
      COMMAND,
    ],
    { stdio: ["ignore", "inherit", "pipe"] },
  );
  let frozenAt = 0;
  let lastReplyAt = 0;
  let lastProbeAt = 0; // the client's last packet the server received before the freeze
  let clientDeadAt = 0;
  const clientExit = new Promise<number | null>((resolve) => ssh?.once("exit", (code) => resolve(code)));
  const loggedIn = waitFor<void>(
    "login",
    (resolve) =>
      lines(ssh as ChildProcess, (line) => {
        if (line.startsWith("debug1: Authenticated")) {
          say("ssh", `logged in; runs \`${COMMAND}\``);
          resolve();
        }
        const probe = /^debug1: ServerAlive probe ([0-9]+) of ([0-9]+) sent/.exec(line);
        if (probe) {
          if (!frozenAt) lastProbeAt = at();
          say("ssh", `probe ${probe[1]} of ${probe[2]} (keepalive@openssh.com)${frozenAt ? ", into the dark" : ""}`);
        }
        const reply = /^debug1: ServerAlive reply, rtt ([0-9.]+) ms/.exec(line);
        if (reply) {
          lastReplyAt = at();
          say("ssh", `reply, rtt ${reply[1]} ms`, lastReplyAt);
        }
        if (line.startsWith("Timeout, server")) {
          clientDeadAt = at();
          say("ssh", `DEAD: "${line}"`, clientDeadAt);
        }
      }),
    10_000,
  );
  await loggedIn;
  // Let one probe and its reply go by on the healthy link, then freeze it.
  await waitFor<void>(
    "healthy probe reply",
    (resolve) => {
      const poll = setInterval(() => {
        if (lastReplyAt > 0 && group > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    },
    5000,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  proxy.set("both", { mode: "blackhole" });
  frozenAt = at();
  say("proxy", "LINK FROZEN: every byte dropped both ways, sockets left open (a dead NAT, a pulled cable)", frozenAt);

  const code = await clientExit;
  say("ssh", `exited with status ${code}`);
  await waitFor<void>(
    "watchdog",
    (resolve) => {
      const poll = setInterval(() => {
        if (killed.length > 0 || (watchdogAt > 0 && group === 0)) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    },
    8000,
  );
  // The supervisor sends SIGHUP, then SIGKILL after its grace period; wait for every process to be gone.
  const goneBy = performance.now() + 5000;
  while (killed.some((p) => alive(p.pid)) && performance.now() < goneBy) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const survivors = killed.filter((p) => alive(p.pid));
  say(
    "sshd",
    survivors.length === 0
      ? `all ${killed.length} processes are gone`
      : `STILL RUNNING: ${survivors.map((p) => p.pid).join(", ")}`,
  );
  const bound = (C + 1) * I;
  const clientAfter = clientDeadAt - lastReplyAt;
  const serverAfter = watchdogAt - lastProbeAt;
  console.log("");
  const ok = clientDeadAt > 0 && watchdogAt > 0 && survivors.length === 0 && code === 255;
  console.log(
    ok
      ? `Link froze at ${frozenAt.toFixed(2)} s; the client gave up ${clientAfter.toFixed(2)} s after its last reply (promised (C+1)·I = ${bound} s), the server ${serverAfter.toFixed(2)} s after the client's last probe reached it (WatchdogTimeout ${WATCHDOG} s) and killed ${killed.length} processes: nothing hangs, nothing is left running.`
      : "The demo did not see both sides declare the link dead: see the timeline above.",
  );
  if (!ok) process.exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await cleanup();
}
