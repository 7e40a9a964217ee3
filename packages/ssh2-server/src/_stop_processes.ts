import type { Clock, Timers } from "@tsalive/core";
import type { ProcessStat, ProcessTable } from "./_process_table.ts";

/** A process of a session the supervisor stopped, as its events and `stopAll()` report it. */
export interface StoppedProcess {
  readonly pid: number;
  /** Its command line when it was first seen (arguments joined by spaces), else `[comm]`, the kernel's name. */
  readonly command: string;
  /**
   * When it went: `SIGHUP` in the hangup phase (by the supervisor's SIGHUP, or by its shell passing one on first),
   * `SIGKILL` when it outlived the grace period and was killed.
   */
  readonly signal: "SIGHUP" | "SIGKILL";
}

/** One process the supervisor started: the leader of a session (or at least a process group) of its own. */
export interface StopTarget {
  readonly pid: number;
  /** The leader's start time (clock ticks after boot), when it could be read; guards against a reused PID. */
  readonly startTime: number | undefined;
  /** Whether the leader leads its session, so that every process with its session id belongs to it. */
  readonly leadsSession: boolean;
  /** The leader's command, for the report where no process table can be read. */
  readonly command: string;
}

/** What {@linkcode stopProcesses} works with; all injectable, so the policy runs on a test clock. */
export interface StopEnvironment {
  readonly table: ProcessTable;
  /** `process.kill` without the throw: whether the signal was delivered. A negative target is a process group. */
  readonly signal: (target: number, signal: NodeJS.Signals | 0) => boolean;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Milliseconds between SIGHUP and SIGKILL. */
  readonly grace: number;
  /** The supervising process itself, never signalled. */
  readonly self: number;
}

/** How often the process table is read while waiting. */
export const POLL = 20;
/** Bound on waiting for processes to vanish after SIGKILL (a process in uninterruptible sleep can delay it). */
export const AFTER_KILL = 2000;

interface Seen {
  readonly pid: number;
  readonly startTime: number;
  readonly command: string;
  signal: "SIGHUP" | "SIGKILL";
}

/**
 * Whether `stat` belongs to one of `targets`: the leader itself, a member of its process group, or (when it leads
 * a session) any process with its session id. Every one of them started no earlier than its leader. When the
 * leader's PID now names another process, the number was free, so the session is gone and nothing matches.
 */
function belongs(stat: ProcessStat, target: StopTarget, leaderReused: boolean): boolean {
  if (leaderReused) return false;
  if (target.startTime !== undefined && stat.startTime < target.startTime) return false;
  if (stat.pid === target.pid) return target.startTime === undefined || stat.startTime === target.startTime;
  return stat.pgrp === target.pid || (target.leadsSession && stat.session === target.pid);
}

function members(table: readonly ProcessStat[], targets: readonly StopTarget[], self: number): ProcessStat[] {
  const reused = new Set<StopTarget>();
  for (const target of targets) {
    if (target.startTime === undefined) continue;
    const leader = table.find((stat) => stat.pid === target.pid);
    if (leader !== undefined && leader.startTime !== target.startTime) reused.add(target);
  }
  return table.filter(
    (stat) =>
      stat.state !== "Z" &&
      stat.state !== "X" &&
      stat.pid !== self &&
      stat.pid > 1 &&
      targets.some((target) => belongs(stat, target, reused.has(target))),
  );
}

/**
 * Stops every process of `targets` as sshd's session teardown should: SIGHUP to each (and SIGCONT to a stopped
 * one, which acts on SIGHUP only once continued, as the kernel does for an orphaned process group), SIGKILL to
 * whatever is left after the grace period, then waits until all are gone (at most {@linkcode AFTER_KILL} ms more).
 * Processes that appear meanwhile get the signal of the moment. Each signal goes to one PID, right after its
 * `/proc` entry was read again and still showed the same start time, so a PID reused by another process is never
 * signalled.
 *
 * Where no process table can be read, each target's process group is signalled as a whole instead.
 *
 * @returns every process of the targets seen running, in the order first seen.
 */
export async function stopProcesses(
  targets: readonly StopTarget[],
  environment: StopEnvironment,
): Promise<StoppedProcess[]> {
  const { clock, grace } = environment;
  const first = await environment.table.list();
  if (first === undefined) return stopGroups(targets, environment);
  /** By PID and start time: a PID reused within the run is another process. */
  const seen = new Map<string, Seen>();
  const key = (stat: { readonly pid: number; readonly startTime: number }): string => `${stat.pid}/${stat.startTime}`;
  let signal: "SIGHUP" | "SIGKILL" = "SIGHUP";
  const reach = (live: readonly ProcessStat[]): void => {
    // Every command line first: once the first SIGHUP is out, a shell may take its jobs with it.
    const commands = live.map((stat) => (seen.has(key(stat)) ? undefined : environment.table.commandOf(stat.pid)));
    for (const [index, stat] of live.entries()) {
      const entry = seen.get(key(stat));
      if (entry !== undefined && entry.signal === signal) continue;
      const command = entry?.command ?? commands[index] ?? `[${stat.comm}]`;
      const delivered = sendChecked(stat, signal, environment);
      if (entry === undefined) {
        // Recorded even when it is gone already: a shell that got its SIGHUP first may have passed it on to its
        // jobs. It was the session's when the table was read, and it went in this phase.
        seen.set(key(stat), { pid: stat.pid, startTime: stat.startTime, command, signal });
      } else if (delivered) {
        entry.signal = signal;
      }
    }
  };
  let live = members(first, targets, environment.self);
  reach(live);
  let deadline = clock.now() + grace;
  while (live.length > 0) {
    await sleep(environment.timers, Math.min(POLL, Math.max(0, deadline - clock.now())));
    if (clock.now() >= deadline) {
      if (signal === "SIGKILL") break; // bounded: report what was seen
      signal = "SIGKILL";
      deadline = clock.now() + AFTER_KILL;
      // At once, without waiting for another read of the whole table: each one known and still running.
      for (const entry of seen.values()) {
        if (sendChecked(entry, signal, environment)) entry.signal = signal;
      }
    }
    live = members((await environment.table.list()) ?? [], targets, environment.self);
    reach(live);
  }
  return [...seen.values()].map(({ pid, command, signal }) => ({ pid, command, signal }));
}

/**
 * Reads the process again and signals it only if it is the one seen (same start time) and still running; whether
 * the signal went out.
 */
function sendChecked(
  seen: { readonly pid: number; readonly startTime: number },
  signal: "SIGHUP" | "SIGKILL",
  environment: StopEnvironment,
): boolean {
  const now = environment.table.read(seen.pid);
  if (now === undefined || now.startTime !== seen.startTime || now.state === "Z" || now.state === "X") return false;
  if (!environment.signal(seen.pid, signal)) return false;
  // A stopped process acts on SIGHUP only once continued.
  if (signal === "SIGHUP" && (now.state === "T" || now.state === "t")) environment.signal(seen.pid, "SIGCONT");
  return true;
}

/** Without a process table: each target's process group as a whole, as `kill(-pgrp, …)` reaches it. */
async function stopGroups(targets: readonly StopTarget[], environment: StopEnvironment): Promise<StoppedProcess[]> {
  const { clock, signal } = environment;
  const groups = targets.filter((target) => signal(-target.pid, 0));
  for (const target of groups) {
    signal(-target.pid, "SIGHUP");
    signal(-target.pid, "SIGCONT");
  }
  const stopped = new Map(groups.map((target) => [target, "SIGHUP" as "SIGHUP" | "SIGKILL"]));
  let left = groups;
  for (const [bound, next] of [
    [environment.grace, "SIGKILL"],
    [AFTER_KILL, undefined],
  ] as const) {
    const deadline = clock.now() + bound;
    while (left.length > 0 && clock.now() < deadline) {
      await sleep(environment.timers, Math.min(POLL, deadline - clock.now()));
      left = left.filter((target) => signal(-target.pid, 0));
    }
    if (left.length === 0 || next === undefined) break;
    for (const target of left) {
      signal(-target.pid, next);
      stopped.set(target, next);
    }
  }
  return [...stopped].map(([target, last]) => ({ pid: target.pid, command: target.command, signal: last }));
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timers.setTimeout(resolve, ms);
  });
}
