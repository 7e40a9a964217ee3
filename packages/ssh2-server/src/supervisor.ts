import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Options of {@linkcode ProcessSupervisor}. */
export interface SupervisorOptions {
  /** Milliseconds between SIGHUP and SIGKILL when stopping a process group. Default 2000. */
  readonly killGrace?: number;
}

/** Spawn options the supervisor accepts: everything but `detached`, which it always sets. */
export type SupervisedSpawnOptions = Omit<SpawnOptions, "detached">;

/** The part of an ssh2 server channel {@linkcode ProcessSupervisor.exec} uses (a `ServerChannel`). */
export interface ExecChannel {
  readonly stderr: NodeJS.WritableStream;
  exit(status: number): void;
  exit(signal: string, coreDumped: boolean, message: string): void;
  end(): unknown;
  pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T;
  write(chunk: Buffer): boolean;
  once(event: "close", listener: () => void): unknown;
  removeListener(event: "close", listener: () => void): unknown;
}

/** Options of {@linkcode ProcessSupervisor.exec}. */
export interface ExecOptions extends Omit<SupervisedSpawnOptions, "stdio" | "shell"> {
  /** The shell that runs the command as `SHELL -c COMMAND`, as sshd runs the user's shell. Default `/bin/sh`. */
  readonly shell?: string;
}

/**
 * What the supervisor needs of a process: a `ChildProcess`, or any process-group leader that reports its exit the
 * same way (for example a node-pty session wrapped in an `EventEmitter`).
 */
export interface SupervisedProcess {
  /** The PID, which is also the process group id; `undefined` when the process did not start. */
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  once(event: "exit", listener: () => void): unknown;
}

interface Tracked {
  readonly child: SupervisedProcess;
  readonly pid: number;
  /** Resolves once the child has exited (Node has reaped it). */
  readonly exited: Promise<void>;
  /** Whether the group's leader (the child) has exited: only then can the rest of the group be zombies. */
  leaderExited: boolean;
  stopping: Promise<void> | undefined;
}

const POLL = 20;
/** Bound on waiting for a group to vanish after SIGKILL (a process in uninterruptible sleep can delay it). */
const AFTER_KILL = 2000;

/**
 * Tracks the processes one SSH connection started for exec, shell and subsystem requests, each in its own process
 * group, so they can all be stopped as sshd should stop them: SIGHUP to every group, SIGKILL after a grace period,
 * then wait until each group is gone. The connection's handle stops them when the watchdog expires and whenever
 * the connection closes, so nothing is orphaned. A process that leaves its group (`setsid`) is out of reach, as it
 * is for sshd.
 *
 * @example
 * ```ts
 * import { ProcessSupervisor } from "@tsalive/ssh2-server";
 * const supervisor = new ProcessSupervisor({ killGrace: 500 });
 * supervisor.spawn("/bin/sh", ["-c", "sleep 60 & sleep 60"], { stdio: "ignore" });
 * supervisor.size; // 1
 * await supervisor.stopAll(); // SIGHUP to the group, SIGKILL 500 ms later if needed; both sleeps are gone
 * ```
 */
export class ProcessSupervisor {
  readonly #killGrace: number;
  readonly #tracked = new Set<Tracked>();
  #closed = false;

  constructor(options: SupervisorOptions = {}) {
    const grace = options.killGrace ?? 2000;
    if (typeof grace !== "number" || !(grace >= 0 && Number.isFinite(grace))) {
      throw new RangeError(
        `Cannot create process supervisor: "killGrace" must be a number of milliseconds of 0 or more, received ${String(grace)}`,
      );
    }
    this.#killGrace = grace;
  }

  /** Processes started and not yet exited. */
  get size(): number {
    return this.#tracked.size;
  }

  /** PIDs (= process group ids) of the processes tracked now. */
  get pids(): number[] {
    return [...this.#tracked].map((tracked) => tracked.pid);
  }

  /** Whether `stopAll()` ran: the connection is gone and new processes are refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Spawns `command` in a process group of its own (`detached: true`) and tracks it until it exits.
   *
   * @throws {Error} once the supervisor is closed, or when the process could not be started.
   */
  spawn(command: string, args: readonly string[] = [], options: SupervisedSpawnOptions = {}): ChildProcess {
    if (this.#closed) throw new Error("Cannot spawn: the connection's process supervisor is closed");
    const child = spawn(command, args, { ...options, detached: true });
    return this.track(child);
  }

  /**
   * Tracks a process the caller started itself. It must lead a process group of its own (`detached: true` for
   * `child_process.spawn`; node-pty's `setsid` does it too), so its PID is its group id; a closed supervisor stops
   * it at once.
   *
   * @throws {Error} when the process has no PID (it failed to start).
   */
  track<P extends SupervisedProcess>(child: P): P {
    const pid = child.pid;
    if (pid === undefined) {
      // A ChildProcess that failed to start also emits 'error'; the throw below reports it instead.
      (child as { on?: (event: "error", listener: () => void) => unknown }).on?.("error", () => {});
      throw new Error("Cannot supervise a process that did not start (no PID)");
    }
    const tracked: Tracked = {
      child,
      pid,
      exited: new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once("exit", () => resolve());
      }),
      leaderExited: child.exitCode !== null || child.signalCode !== null,
      stopping: undefined,
    };
    void tracked.exited.then(() => {
      tracked.leaderExited = true;
    });
    this.#tracked.add(tracked);
    // The group may outlive its leader (`sleep 600 &`): forget it only once stopped or once the leader exits
    // normally, and even then a later stopAll() has nothing left to reach, as in sshd.
    void tracked.exited.then(() => {
      if (tracked.stopping === undefined) this.#tracked.delete(tracked);
    });
    if (this.#closed) void this.#stop(tracked);
    return child;
  }

  /**
   * Runs an exec request's command as `SHELL -c COMMAND` in its own process group, wired to the channel: the
   * channel's data to stdin, stdout and stderr to the channel, the exit status or signal back to the client, and
   * the channel closed. When the channel closes first (the client went away, or ChannelTimeout closed it), the
   * process group is stopped.
   *
   * @example
   * ```ts no-run
   * // no-run: a fragment; `session` is an accepted ssh2 Session, `supervisor` the connection's.
   * import type { Session } from "ssh2";
   * import type { ProcessSupervisor } from "@tsalive/ssh2-server";
   * declare const session: Session, supervisor: ProcessSupervisor;
   * session.on("exec", (accept, _reject, info) => supervisor.exec(accept(), info.command));
   * ```
   */
  exec(channel: ExecChannel, command: string, options: ExecOptions = {}): ChildProcess {
    const { shell = "/bin/sh", ...spawnOptions } = options;
    let child: ChildProcess;
    try {
      child = this.spawn(shell, ["-c", command], { ...spawnOptions, stdio: ["pipe", "pipe", "pipe"] });
    } catch (error) {
      channel.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      channel.exit(127);
      channel.end();
      throw error;
    }
    const onChannelClose = (): void => {
      void this.stop(child);
    };
    channel.once("close", onChannelClose);
    if (child.stdin !== null) {
      channel.pipe(child.stdin);
      child.stdin.on("error", () => {}); // EPIPE when the command exits before reading its input
    }
    if (child.stdout !== null) child.stdout.pipe(channel as unknown as NodeJS.WritableStream, { end: false });
    if (child.stderr !== null) child.stderr.pipe(channel.stderr, { end: false });
    let channelClosed = false;
    channel.once("close", () => {
      channelClosed = true;
    });
    child.once("close", (code, signal) => {
      channel.removeListener("close", onChannelClose);
      if (channelClosed) return;
      try {
        if (signal !== null) channel.exit(signal.replace(/^SIG/, ""), false, "");
        else channel.exit(code ?? 255);
        channel.end();
      } catch {
        // The connection was torn down under the channel (ssh2 throws "Instance unusable" or "Invalid Zlib
        // instance" then): there is no one left to tell the exit status to.
      }
    });
    return child;
  }

  /**
   * Stops one supervised process's group: SIGHUP, then SIGKILL after `killGrace`, and resolves once the group is
   * gone. Resolves at once for a child this supervisor does not track.
   */
  stop(child: SupervisedProcess): Promise<void> {
    for (const tracked of this.#tracked) if (tracked.child === child) return this.#stop(tracked);
    return Promise.resolve();
  }

  /**
   * Closes the supervisor and stops every process group it tracks, in parallel; resolves once all are gone.
   * Idempotent; processes tracked later are stopped as they arrive.
   */
  async stopAll(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#tracked].map((tracked) => this.#stop(tracked)));
  }

  #stop(tracked: Tracked): Promise<void> {
    tracked.stopping ??= (async () => {
      if (groupAlive(tracked)) {
        const group = tracked.pid;
        kill(-group, "SIGHUP");
        // A stopped process acts on SIGHUP only once continued, as the kernel does for a session's processes.
        kill(-group, "SIGCONT");
        if (!(await waitGone(tracked, this.#killGrace))) {
          kill(-group, "SIGKILL");
          await waitGone(tracked, AFTER_KILL);
        }
      }
      await tracked.exited;
      this.#tracked.delete(tracked);
    })();
    return tracked.stopping;
  }
}

function kill(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group; EPERM cannot happen for our own children
  }
}

/**
 * Whether a process of the group is still running. `kill(-group, 0)` also succeeds for zombies: a member orphaned
 * by its parent stays one until init reaps it, which some container inits do late or never. On Linux the process
 * table tells zombies apart; elsewhere the signal test is the answer.
 */
function groupAlive(tracked: Tracked): boolean {
  const group = tracked.pid;
  if (!kill(-group, 0)) return false;
  if (!tracked.leaderExited) return true;
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "latin1");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
    if (Number(fields[2]) === group && fields[0] !== "Z" && fields[0] !== "X") return true;
  }
  return false;
}

/** Polls until no process is left in the group, for at most `timeout` ms; whether it is gone. */
async function waitGone(tracked: Tracked, timeout: number): Promise<boolean> {
  const deadline = performance.now() + timeout;
  while (groupAlive(tracked)) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL));
  }
  return true;
}
