/**
 * Integration helpers (real peers on loopback): the real OpenSSH `sshd` and tsalive-sshd started on one and the
 * same sshd_config, throwaway users with their own homes, and OpenSSH's `ssh` client for the attempts.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import {
  freePort,
  type Generation,
  type KeyPair,
  PEERS,
  peerCommand,
  registerCleanup,
  type Spawned,
  spawnProcess,
  type TempDir,
  waitUntil,
} from "@tsalive/test-support";
import { RUN } from "./_server.ts";

/** Removals of the users and groups this process created, newest first, for a signal that ends it early. */
const accounts: (() => void)[] = [];
let signalHooked = false;

/**
 * A test run stopped by SIGINT or SIGTERM never reaches `exit` hooks: the accounts would outlive it. Remove them
 * first, then end as the signal would have.
 */
function removeAccountsOnSignal(remove: () => void): void {
  accounts.unshift(remove);
  if (signalHooked) return;
  signalHooked = true;
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      for (const undo of accounts) undo();
      process.exit(code);
    });
  }
}

/** A throwaway local user: created with useradd, a home under the test's temp dir, removed at the end. */
export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** Writes ~/.ssh/authorized_keys (mode 600, owned by the user; ~/.ssh 700). */
  writeAuthorizedKeys(text: string): void;
}

/**
 * Creates a user `name` (shadow password `*`: not locked, no password) in `group` when given, home `home`.
 * Registered for removal with `stopAll()`.
 */
export function createUser(name: string, home: string, groups: readonly string[] = []): TestUser {
  const args = ["-M", "-d", home, "-s", "/bin/sh", "-p", "*", ...(groups.length > 0 ? ["-G", groups.join(",")] : [])];
  const made = spawnSync("useradd", [...args, name], { encoding: "utf8", timeout: 10_000 });
  if (made.status !== 0) throw new Error(`useradd ${name}: ${made.stderr}`);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    spawnSync("userdel", [name], { timeout: 10_000 });
  };
  registerCleanup(`user ${name}`, async () => remove(), remove);
  removeAccountsOnSignal(remove);
  const id = (flag: string) => Number(spawnSync("id", [flag, name], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  const gid = id("-g");
  mkdirSync(home, { recursive: true, mode: 0o755 });
  chownSync(home, uid, gid);
  chmodSync(home, 0o755);
  return {
    name,
    uid,
    gid,
    home,
    writeAuthorizedKeys(text) {
      mkdirSync(`${home}/.ssh`, { recursive: true });
      chownSync(`${home}/.ssh`, uid, gid);
      chmodSync(`${home}/.ssh`, 0o700);
      // A case may have left a FIFO or a symlink here: replace it, never write through it.
      rmSync(`${home}/.ssh/authorized_keys`, { force: true });
      writeFileSync(`${home}/.ssh/authorized_keys`, text);
      chownSync(`${home}/.ssh/authorized_keys`, uid, gid);
      chmodSync(`${home}/.ssh/authorized_keys`, 0o600);
    },
  };
}

/** Creates a group, removed with `stopAll()`. */
export function createGroup(name: string): void {
  const made = spawnSync("groupadd", [name], { encoding: "utf8", timeout: 10_000 });
  if (made.status !== 0) throw new Error(`groupadd ${name}: ${made.stderr}`);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    spawnSync("groupdel", [name], { timeout: 10_000 });
  };
  registerCleanup(`group ${name}`, async () => remove(), remove);
  removeAccountsOnSignal(remove);
}

/** One server of a pair. */
export interface RunningPeer {
  readonly name: "sshd" | "tsalive-sshd";
  readonly port: number;
  readonly process: Spawned;
  log(): string;
  /** Waits (bounded) until the log matches; returns whether it did. */
  waitForLog(pattern: RegExp, timeout?: number): Promise<boolean>;
}

/** The real sshd and tsalive-sshd on one sshd_config. */
export interface Pair {
  readonly sshd: RunningPeer;
  readonly tsalive: RunningPeer;
  readonly configFile: string;
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";

async function waitFor(check: () => boolean, timeout: number): Promise<boolean> {
  try {
    await waitUntil(check, { timeout, what: "a log line" });
    return true;
  } catch {
    return false;
  }
}

function peer(name: RunningPeer["name"], port: number, child: Spawned, log: () => string): RunningPeer {
  return {
    name,
    port,
    process: child,
    log,
    waitForLog: (pattern, timeout = 5000) => waitFor(() => pattern.test(log()), timeout),
  };
}

/**
 * Writes `lines` (after a common head: 127.0.0.1, the host key, no PID file, LogLevel DEBUG1 so sshd logs what
 * tsalive-sshd logs with -d, UsePAM no) to DIR/sshd_config and starts both servers on it, each on its own port
 * (`-p`); `generation` picks the sshd (a newer one runs in its Debian root, which sees /tmp at the same path).
 * Both are stopped by `stop()` or `stopAll()`. `ports` gives each server its ports (`-p` each), for a configuration
 * whose `Match LocalPort` blocks must name them; `port` is then the first.
 */
export async function startPair(
  dir: TempDir,
  hostKey: KeyPair,
  lines: readonly string[],
  generation: Generation = "bookworm",
  ports?: { readonly sshd: readonly number[]; readonly tsalive: readonly number[] },
): Promise<Pair> {
  const globals = lines.filter((_, i) => !lines.slice(0, i + 1).some((m) => /^Match /i.test(m)));
  const configFile = dir.join("sshd_config");
  writeFileSync(
    configFile,
    [
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey.privatePath}`,
      "PidFile none",
      "LogLevel DEBUG1",
      "UsePAM no",
      ...globals,
      ...lines.slice(globals.length),
      "",
    ].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const sshdLog = dir.join(`sshd-${Date.now()}.log`);
  writeFileSync(sshdLog, "");
  const sshdPorts = ports?.sshd ?? [await freePort()];
  const sshdPort = sshdPorts[0] as number;
  const argv = [SSHD, "-D", "-f", configFile, "-E", sshdLog, ...sshdPorts.flatMap((p) => ["-p", String(p)])];
  // sshd 9.8+ would penalise the refused attempts of the next cases; -o keeps the shared file 9.2's.
  if (PEERS[generation].openssh !== "9.2") argv.push("-o", "PerSourcePenalties=no");
  const [command, ...args] = peerCommand(generation, argv);
  const sshd = spawnProcess(command, args, { name: "sshd" });
  // tsalive-sshd follows 9.2's sshd_config rules here (its default is the newest release's).
  const tsalive = spawnProcess(
    process.execPath,
    [
      ...RUN,
      "--openssh",
      "9.2",
      "-D",
      "-d",
      "-f",
      configFile,
      ...(ports?.tsalive ?? [0]).flatMap((p) => ["-p", String(p)]),
    ],
    {
      name: "tsalive-sshd",
    },
  );
  const readSshd = () => readFileSync(sshdLog, "utf8");
  const stop = async () => {
    await Promise.all([sshd.stop(), tsalive.stop()]);
  };
  const started = await waitFor(
    () =>
      sshdPorts.every((p) => readSshd().includes(`Server listening on 127.0.0.1 port ${p}.`)) &&
      (ports?.tsalive ?? [0]).every((p) =>
        p === 0
          ? /Server listening on 127\.0\.0\.1 port [0-9]+\./.test(tsalive.output)
          : tsalive.output.includes(`Server listening on 127.0.0.1 port ${p}.`),
      ),
    15_000,
  );
  if (!started) {
    await stop();
    throw new Error(`the pair did not start:\nsshd:\n${readSshd()}\ntsalive-sshd:\n${tsalive.output}`);
  }
  const tsalivePort = Number(/Server listening on 127\.0\.0\.1 port ([0-9]+)\./.exec(tsalive.output)?.[1]);
  return {
    sshd: peer("sshd", sshdPort, sshd, readSshd),
    tsalive: peer("tsalive-sshd", tsalivePort, tsalive, () => tsalive.output),
    configFile,
    stop,
  };
}

/** What one `ssh` run gave. */
export interface SshResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs OpenSSH's `ssh ARGS user@127.0.0.1 COMMAND` against `port` with exactly the given keys (IdentitiesOnly),
 * batch mode, no host key check; `input` goes to its stdin. Bounded by `timeout` ms (then SIGKILL).
 */
export function runSsh(
  port: number,
  user: string,
  keys: readonly KeyPair[],
  args: readonly string[],
  command: string | undefined,
  options: { input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<SshResult> {
  const argv = [
    "-F",
    "/dev/null",
    "-p",
    String(port),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "LogLevel=ERROR",
    ...keys.flatMap((k) => ["-i", k.privatePath]),
    ...args,
    `${user}@127.0.0.1`,
    ...(command === undefined ? [] : [command]),
  ];
  return new Promise((resolve) => {
    const child = spawn("ssh", argv, { stdio: ["pipe", "pipe", "pipe"], env: options.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout ?? 15_000);
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A TCP server on 127.0.0.1 that answers every connection with `pong\n` and closes: the target of `-W`. */
export async function startPongServer(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    socket.on("error", () => undefined);
    socket.end("pong\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registerCleanup("pong server", async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as { port: number }).port, server };
}
