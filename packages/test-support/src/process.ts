import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { registerCleanup } from "./registry.ts";

/** How a child ended: its exit code, or the signal that ended it. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@linkcode spawnProcess}. */
export interface SpawnProcessOptions {
  /** A short name for messages; the command's basename by default. */
  readonly name?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How much of stdout + stderr to keep, in characters (the tail is kept). Default 256 KiB. */
  readonly outputLimit?: number;
  /**
   * Give the child a stdin that stays open (a pipe nothing is written to, closed when the child ends) instead of
   * `/dev/null`: an ssh or dbclient then sends no EOF on its session, as when a user sits at it.
   */
  readonly openStdin?: boolean;
}

/** How long after its exit a child's pipes may take to deliver the rest of its output, in ms. */
const OUTPUT_DRAIN = 1000;

/** Bytes of output kept per child by default. */
const OUTPUT_LIMIT = 256 * 1024;

/**
 * A child process whose PID is known, with its output captured, that a test can freeze, thaw and stop. Stopping
 * ends the whole process tree it started (an sshd listener and its per-connection children), SIGCONT first so a
 * frozen process can act on SIGTERM.
 */
export class Spawned {
  readonly name: string;
  readonly pid: number;
  /** Settles when the child exited and its output has been read (at most 1 s later); never rejects. */
  readonly exited: Promise<ExitInfo>;
  readonly #limit: number;
  readonly #unregister: () => void;
  #output = "";
  #exit: ExitInfo | undefined;
  /** Set once `exited` settled: the output is complete. */
  #drained = false;
  #stopping: Promise<ExitInfo> | undefined;

  constructor(command: string, args: readonly string[], options: SpawnProcessOptions = {}) {
    this.name = options.name ?? command.split("/").pop() ?? command;
    this.#limit = options.outputLimit ?? OUTPUT_LIMIT;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.openStdin === true ? "pipe" : "ignore", "pipe", "pipe"],
    });
    // Writes never happen; a child that ends closes the pipe, which is no error.
    child.stdin?.on("error", () => {});
    if (child.pid === undefined) {
      // spawn reports ENOENT asynchronously; a missing PID means the child never started.
      child.on("error", () => {});
      throw new Error(`cannot start ${command}: no PID (is it installed?)`);
    }
    this.pid = child.pid;
    const append = (chunk: Buffer): void => {
      this.#output += chunk.toString("utf8");
      if (this.#output.length > this.#limit) this.#output = this.#output.slice(-this.#limit);
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.exited = new Promise((resolve) => {
      child.on("error", (error) => append(Buffer.from(`\n[spawn error] ${error.message}\n`)));
      child.on("exit", (code, signal) => {
        const exit = { code, signal };
        this.#exit = exit;
        this.#unregister();
        // 'exit' can come before the last of stdout and stderr has been read: wait for 'close' (every pipe at its
        // end), bounded, since a daemon's children may hold its pipes open long after it exited.
        const settle = (): void => {
          clearTimeout(timer);
          this.#drained = true;
          resolve(exit);
        };
        const timer = setTimeout(settle, OUTPUT_DRAIN);
        timer.unref();
        child.once("close", settle);
      });
    });
    const pid = this.pid;
    this.#unregister = registerCleanup(
      `${this.name} (pid ${pid})`,
      async () => {
        await this.stop();
      },
      () => killTreeSync(pid),
    );
  }

  /** stdout and stderr so far, interleaved as they arrived (the last `outputLimit` characters). */
  get output(): string {
    return this.#output;
  }

  /** How the child ended, or `undefined` while it runs. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /**
   * Waits until the output matches `pattern`, or rejects after `timeout` ms or when the child exits first.
   *
   * @example
   * ```ts no-run
   * // no-run: a fragment; `dropbear` is a Spawned peer.
   * import type { Spawned } from "@tsalive/test-support";
   * declare const dropbear: Spawned;
   * await dropbear.waitForOutput(/Not backgrounding/, 5000);
   * ```
   */
  async waitForOutput(pattern: RegExp, timeout = 10_000): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await waitUntil(
      () => {
        match = this.#output.match(pattern);
        if (match === null && this.#drained && this.#exit !== undefined) {
          throw new Error(
            `${this.name} exited (${describeExit(this.#exit)}) before printing ${pattern}:\n${this.#output}`,
          );
        }
        return match !== null;
      },
      { timeout, what: `${this.name} to print ${pattern}` },
    );
    return match as unknown as RegExpMatchArray;
  }

  /** SIGSTOP: the process keeps its sockets open and answers nothing, like a vanished host. */
  freeze(): void {
    signal(this.pid, "SIGSTOP");
  }

  /** SIGCONT. */
  thaw(): void {
    signal(this.pid, "SIGCONT");
  }

  /**
   * Ends the child and every process below it: SIGCONT, then SIGTERM, then SIGKILL for whatever is still alive
   * after `grace` ms. Idempotent; resolves with how the child ended.
   */
  stop(grace = 2000): Promise<ExitInfo> {
    this.#stopping ??= (async () => {
      await killTree(this.pid, grace);
      if (this.#exit !== undefined) return this.#exit;
      // The child itself was SIGKILLed above; its 'exit' event follows within a turn or two.
      return await withTimeout(this.exited, 5000, `${this.name} (pid ${this.pid}) to exit after SIGKILL`);
    })();
    return this.#stopping;
  }
}

/**
 * Starts `command` with its output captured; the returned handle knows the PID at once. The child is registered
 * with {@linkcode stopAll}.
 *
 * @example
 * ```ts
 * import { spawnProcess } from "@tsalive/test-support";
 * const child = spawnProcess("/bin/sh", ["-c", "echo ready; sleep 30"]);
 * await child.waitForOutput(/ready/);
 * await child.stop();
 * ```
 */
export function spawnProcess(command: string, args: readonly string[], options?: SpawnProcessOptions): Spawned {
  return new Spawned(command, args, options);
}

/** One line of the process table. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** The state letter of `ps`'s STAT column: R, S, D, T (stopped), Z (zombie), … */
  readonly stat: string;
  readonly args: string;
}

/**
 * The process table, read from `/proc` (Linux).
 *
 * @example
 * ```ts
 * import { listProcesses } from "@tsalive/test-support";
 * listProcesses().some((entry) => entry.pid === process.pid); // true
 * ```
 */
export function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcess(Number(name));
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

/** The process table entry of `pid`, or `undefined` when there is no such process. */
export function readProcess(pid: number): ProcessEntry | undefined {
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return undefined; // exited between readdir and read
  }
  // "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses, so split after the last ')'.
  const close = stat.lastIndexOf(")");
  const comm = stat.slice(stat.indexOf("(") + 1, close);
  const fields = stat.slice(close + 2).split(" ");
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    stat: fields[0] ?? "?",
    args: cmdline.length > 0 ? cmdline.replace(/\0+$/, "").replaceAll("\0", " ") : `[${comm}]`,
  };
}

/** Direct children of `pid`. */
export function childrenOf(pid: number, table: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  return table.filter((entry) => entry.ppid === pid);
}

/** Every process below `pid`, parents before children. */
export function descendantsOf(pid: number, table: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  const result: ProcessEntry[] = [];
  const queue = [pid];
  // Bounded by the table: every entry is visited at most once.
  for (let i = 0; i < queue.length && i <= table.length; i++) {
    for (const child of childrenOf(queue[i] as number, table)) {
      result.push(child);
      queue.push(child.pid);
    }
  }
  return result;
}

/** Whether `pid` names a live process (a zombie counts as gone). */
export function isRunning(pid: number): boolean {
  const entry = readProcess(pid);
  return entry !== undefined && entry.stat !== "Z" && entry.stat !== "X";
}

/** Sends `sig` to `pid`, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** SIGSTOP every process of `pids`. */
export function freeze(pids: readonly number[]): void {
  for (const pid of pids) signal(pid, "SIGSTOP");
}

/** SIGCONT every process of `pids`. */
export function thaw(pids: readonly number[]): void {
  for (const pid of pids) signal(pid, "SIGCONT");
}

/**
 * Ends `pid` and its descendants: SIGCONT and SIGTERM to all, SIGKILL to whatever is alive after `grace` ms.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `listener` is a process you started.
 * import { killTree } from "@tsalive/test-support";
 * declare const listener: { pid: number };
 * await killTree(listener.pid, 1000);
 * ```
 */
export async function killTree(pid: number, grace = 2000): Promise<void> {
  const pids = [pid, ...descendantsOf(pid).map((entry) => entry.pid)];
  for (const each of pids) signal(each, "SIGCONT");
  for (const each of pids) signal(each, "SIGTERM");
  try {
    await waitUntil(() => pids.every((each) => !isRunning(each)), { timeout: grace, interval: 20, what: "SIGTERM" });
  } catch {
    // Children spawned meanwhile are caught by a second look at the tree.
    const late = [...pids, ...descendantsOf(pid).map((entry) => entry.pid)];
    for (const each of late) signal(each, "SIGKILL");
  }
}

function killTreeSync(pid: number): void {
  const pids = [pid, ...descendantsOf(pid).map((entry) => entry.pid)];
  for (const each of pids) {
    signal(each, "SIGCONT");
    signal(each, "SIGKILL");
  }
}

/** Options of {@linkcode waitUntil}. */
export interface WaitOptions {
  /** Give up after this many ms (default 10 000). */
  readonly timeout?: number;
  /** Poll every this many ms (default 25). */
  readonly interval?: number;
  /** What is awaited, for the error message. */
  readonly what?: string;
}

/**
 * Polls `predicate` until it returns true, bounded in time; a throwing predicate rejects at once.
 *
 * @example
 * ```ts
 * import { waitUntil } from "@tsalive/test-support";
 * const start = Date.now();
 * await waitUntil(() => Date.now() - start > 50, { timeout: 1000, what: "50 ms to pass" });
 * ```
 */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const { timeout = 10_000, interval = 25, what = "a condition" } = options;
  const deadline = performance.now() + timeout;
  for (;;) {
    if (await predicate()) return;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Resolves with `promise`, or rejects once `timeout` ms have passed. */
export async function withTimeout<T>(promise: Promise<T>, timeout: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms waiting for ${what}`)), timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Another process may take it before the caller binds it:
 * launchers retry on "address in use".
 *
 * @example
 * ```ts
 * import { freePort } from "@tsalive/test-support";
 * const port = await freePort();
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/**
 * Waits until something accepts TCP connections on `host:port`, bounded by `timeout` ms.
 *
 * @example
 * ```ts no-run
 * // no-run: waits for a server on port 2222.
 * import { waitForPort } from "@tsalive/test-support";
 * await waitForPort(2222);
 * ```
 */
export async function waitForPort(port: number, host = "127.0.0.1", timeout = 10_000): Promise<void> {
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ port, host });
        socket.setTimeout(1000);
        const done = (ok: boolean): void => {
          socket.destroy();
          resolve(ok);
        };
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
        socket.once("timeout", () => done(false));
      }),
    { timeout, interval: 50, what: `${host}:${port} to accept connections` },
  );
}

function describeExit(exit: ExitInfo): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}
