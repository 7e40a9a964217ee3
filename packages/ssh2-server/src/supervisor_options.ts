/**
 * The ProcessSupervisor's options and the shapes it works with: the processes it tracks and the channel its
 * `exec()` wires them to. Checked as they come in.
 */
import type { SpawnOptions } from "node:child_process";
import type { Clock, TimerHandle, Timers } from "@tsalive/core";
import { linuxProcessTable, type ProcessTable, sendSignal } from "./_process_table.ts";

/** Options of {@linkcode ProcessSupervisor}. */
export interface SupervisorOptions {
  /** Milliseconds between SIGHUP and SIGKILL when stopping a session's processes. Default 2000. */
  readonly killGrace?: number;
  /** The clock and timers of the grace period and of the polling; default the system's (a `TestClock` in tests). */
  readonly time?: Clock & Timers;
  /** The process table; default Linux's `/proc`. Where it reads nothing, whole process groups are signalled. */
  readonly processTable?: ProcessTable;
  /** Sends a signal to a PID (or, negative, a process group) and says whether it arrived; default `process.kill`. */
  readonly signal?: (target: number, signal: NodeJS.Signals | 0) => boolean;
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
  /** The command and its arguments, for reports where no process table can be read (`ChildProcess` has them). */
  readonly spawnargs?: readonly string[];
  once(event: "exit", listener: () => void): unknown;
}

/**
 * The system's clock and timers. Unlike core's shared timers these keep the process alive: a server that is
 * closing must not exit between the SIGHUP and the SIGKILL.
 */
const SYSTEM_TIME: Clock & Timers = {
  now: () => performance.now(),
  setTimeout: (callback: (arg?: unknown) => void, delay: number, arg?: unknown): TimerHandle =>
    globalThis.setTimeout(callback, delay, arg),
  clearTimeout: (handle: TimerHandle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** {@linkcode SupervisorOptions} checked, with the defaults filled in. */
export interface ResolvedSupervisorOptions {
  readonly killGrace: number;
  readonly time: Clock & Timers;
  readonly processTable: ProcessTable;
  readonly signal: (target: number, signal: NodeJS.Signals | 0) => boolean;
}

/** @throws {RangeError} naming the option and the value received. */
export function checkSupervisorOptions(options: SupervisorOptions): ResolvedSupervisorOptions {
  const grace = options.killGrace ?? 2000;
  if (typeof grace !== "number" || !(grace >= 0 && Number.isFinite(grace))) {
    throw new RangeError(
      `Cannot create process supervisor: "killGrace" must be a number of milliseconds of 0 or more, received ${String(grace)}`,
    );
  }
  const time = options.time ?? SYSTEM_TIME;
  if (
    typeof time?.now !== "function" ||
    typeof time.setTimeout !== "function" ||
    typeof time.clearTimeout !== "function"
  ) {
    throw new RangeError(
      `Cannot create process supervisor: "time" must have now(), setTimeout() and clearTimeout(), received ${String(time)}`,
    );
  }
  const table = options.processTable ?? linuxProcessTable;
  if (typeof table?.list !== "function" || typeof table.read !== "function" || typeof table.commandOf !== "function") {
    throw new RangeError(
      `Cannot create process supervisor: "processTable" must have list(), read() and commandOf(), received ${String(table)}`,
    );
  }
  const signal = options.signal ?? sendSignal;
  if (typeof signal !== "function") {
    throw new RangeError(`Cannot create process supervisor: "signal" must be a function, received ${String(signal)}`);
  }
  return { killGrace: grace, time, processTable: table, signal };
}
