import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";

/** One process as `/proc/PID/stat` describes it (Linux). */
export interface ProcessStat {
  readonly pid: number;
  readonly ppid: number;
  /** Process group id. */
  readonly pgrp: number;
  /** Session id: the PID of the session's leader, which every process it forks keeps until it calls setsid(). */
  readonly session: number;
  /** The state letter: R, S, D, T (stopped), t (traced), Z (zombie), X (dead), … */
  readonly state: string;
  /**
   * When the process started, in clock ticks after boot. A PID and its start time name one process for good: a
   * reused PID has a later start time.
   */
  readonly startTime: number;
  /** The executable's name as the kernel keeps it (at most 15 characters). */
  readonly comm: string;
}

/**
 * What the supervisor reads of the process table; injectable, so the kill policy can be tested without processes.
 *
 * @example
 * ```ts
 * import { linuxProcessTable } from "./_process_table.ts";
 * const self = linuxProcessTable.read(process.pid);
 * self?.pid === process.pid; // true on Linux
 * ```
 */
export interface ProcessTable {
  /** Every process now, or `undefined` where there is no process table to read (not Linux). */
  list(): Promise<readonly ProcessStat[] | undefined>;
  /** One process now, or `undefined` once it is gone. Synchronous, so a check and a signal follow each other at once. */
  read(pid: number): ProcessStat | undefined;
  /** The command line (arguments joined by spaces), or `undefined` when gone or empty. */
  commandOf(pid: number): string | undefined;
}

/** Parses one `/proc/PID/stat` line, or `undefined` for text that is not one. */
export function parseStat(text: string): ProcessStat | undefined {
  // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
  // priority nice num_threads itrealvalue starttime …": comm may hold spaces and parentheses, so split after the
  // last ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) return undefined;
  const fields = text.slice(close + 2).split(" ");
  const stat: ProcessStat = {
    pid: Number(text.slice(0, open - 1)),
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    state: fields[0] ?? "",
    startTime: Number(fields[19]),
    comm: text.slice(open + 1, close),
  };
  return Number.isInteger(stat.pid) && Number.isInteger(stat.session) && Number.isFinite(stat.startTime)
    ? stat
    : undefined;
}

let scanning: Promise<readonly ProcessStat[] | undefined> | undefined;

async function scan(): Promise<readonly ProcessStat[] | undefined> {
  let names: string[];
  try {
    names = await readdir("/proc");
  } catch {
    return undefined;
  }
  const pids = names.filter((name) => name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57);
  if (pids.length === 0) return undefined; // a /proc without processes (not procfs)
  const stats = await Promise.all(
    pids.map((pid) => readFile(`/proc/${pid}/stat`, "latin1").then(parseStat, () => undefined /* exited meanwhile */)),
  );
  return stats.filter((stat): stat is ProcessStat => stat !== undefined);
}

/**
 * The process table of Linux's `/proc`. `list()` reads off the event loop, and callers that ask while a read is
 * under way share it: a thousand supervisors stopping at once cost one scan per round, not a thousand.
 */
export const linuxProcessTable: ProcessTable = {
  list() {
    scanning ??= scan().finally(() => {
      scanning = undefined;
    });
    return scanning;
  },
  read(pid) {
    try {
      return parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
    } catch {
      return undefined;
    }
  },
  commandOf(pid) {
    try {
      const line = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      return line === "" ? undefined : line;
    } catch {
      return undefined;
    }
  },
};

/**
 * Sends `signal` to `target` (a PID, or minus a process group id) with `process.kill`; whether it was delivered.
 * ESRCH (nothing there) and EPERM (not ours) both read as not delivered.
 */
export function sendSignal(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
}
