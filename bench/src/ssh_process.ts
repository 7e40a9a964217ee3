/**
 * OpenSSH's `ssh` as a process the bench can type into and watch: stdin is a pipe (so the bench can make the
 * client send a packet when it chooses), stdout is timestamped as it arrives, the exit is timestamped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { findBinary, killTree, registerCleanup, signal } from "@tsalive/test-support";
import { epochNow } from "./log.ts";

/** A running `ssh`. */
export interface SshProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** When stdout last delivered bytes. */
  lastOutputAt(): number | undefined;
  /** stdout and stderr so far (bounded). */
  output(): string;
  /** Resolves when stdout matched `pattern`; rejects on exit or after `timeout` ms. */
  waitFor(pattern: RegExp, timeout: number): Promise<void>;
  /** When and how it exited, once it did. */
  exit(): { readonly at: number; readonly code: number | null } | undefined;
  readonly exited: Promise<void>;
  /** SIGCONT, SIGTERM, SIGKILL after a grace period, for the whole tree. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startSsh}. */
export interface StartSshOptions {
  readonly port: number;
  readonly user: string;
  readonly identity: string;
  readonly command: string;
  readonly options?: Readonly<Record<string, string | number>>;
  /** Another binary that takes ssh's arguments (tsalive-ssh). */
  readonly binary?: readonly string[];
}

const LIMIT = 64 * 1024;

/**
 * Starts `ssh -i KEY -p PORT … USER@127.0.0.1 COMMAND` with the bench's fixed options (no host key checks, batch
 * mode, no config file) and the given `-o` options.
 *
 * @example
 * ```ts no-run
 * const ssh = startSsh({ port, user: "root", identity, command: "echo ready; exec sleep 60" });
 * await ssh.waitFor(/ready/, 10_000);
 * ```
 */
export function startSsh(options: StartSshOptions): SshProcess {
  const command = options.binary ?? [findBinary("ssh") ?? "ssh"];
  const args = [
    ...command.slice(1),
    "-F",
    "/dev/null",
    "-i",
    options.identity,
    "-p",
    String(options.port),
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
    ...Object.entries(options.options ?? {}).flatMap(([key, value]) => ["-o", `${key}=${value}`]),
    `${options.user}@127.0.0.1`,
    options.command,
  ];
  const child = spawn(command[0] as string, args, { stdio: ["pipe", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`cannot start ${command[0]}`);
  const pid = child.pid;
  let text = "";
  let lastOutput: number | undefined;
  let exitInfo: { at: number; code: number | null } | undefined;
  const append = (chunk: Buffer): void => {
    text += chunk.toString("utf8");
    if (text.length > LIMIT) text = text.slice(-LIMIT);
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    lastOutput = epochNow();
    append(chunk);
  });
  child.stderr?.on("data", append);
  child.stdin?.on("error", () => {});
  const exited = new Promise<void>((resolve) => {
    child.on("exit", (code) => {
      exitInfo = { at: epochNow(), code };
      unregister();
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      signal(pid, "SIGCONT");
      if (exitInfo === undefined) await killTree(pid, 1000);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    })();
    return stopping;
  };
  const unregister = registerCleanup(`ssh (pid ${pid})`, stop, () => {
    signal(pid, "SIGCONT");
    signal(pid, "SIGKILL");
  });
  return {
    pid,
    child,
    lastOutputAt: () => lastOutput,
    output: () => text,
    async waitFor(pattern, timeout) {
      const deadline = performance.now() + timeout;
      while (!pattern.test(text)) {
        if (exitInfo !== undefined) throw new Error(`ssh exited (${exitInfo.code}) before ${pattern}: ${text}`);
        if (performance.now() > deadline) throw new Error(`ssh: no ${pattern} after ${timeout} ms: ${text}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    exit: () => exitInfo,
    exited,
    stop,
  };
}
