import { type ChildProcess, spawn } from "node:child_process";
import type { Clock, Timers } from "@tsalive/core";
import type { ProcessTable } from "./_process_table.ts";
import { type StoppedProcess, type StopTarget, stopProcesses } from "./_stop_processes.ts";
import {
  checkSupervisorOptions,
  type ExecChannel,
  type ExecOptions,
  type SupervisedProcess,
  type SupervisedSpawnOptions,
  type SupervisorOptions,
} from "./supervisor_options.ts";

export type {
  ExecChannel,
  ExecOptions,
  SupervisedProcess,
  SupervisedSpawnOptions,
  SupervisorOptions,
} from "./supervisor_options.ts";

interface Tracked {
  readonly child: SupervisedProcess;
  readonly target: StopTarget;
  /** Resolves once the leader has exited (and was reaped). */
  readonly exited: Promise<void>;
  leaderExited: boolean;
  stopping: Promise<StoppedProcess[]> | undefined;
}

/**
 * Tracks the processes one SSH connection started for exec, shell and subsystem requests, each the leader of a
 * session of its own, and stops every process of those sessions as sshd should: SIGHUP (and SIGCONT to a stopped
 * one), SIGKILL after the grace period, then it waits until all are gone. The connection's handle stops them when
 * the watchdog expires and whenever the connection closes, so nothing is orphaned.
 *
 * What is reached, on Linux (read from `/proc`): the leader; every process group of the session, which in a pty
 * shell with job control is one per job (`sleep 600 &`); groups whose leader has exited (`cmd & exit`); and every
 * process that still carries the session's id, reparented or not (`(sleep 600 &)`, `nohup`, `trap '' HUP`). Each
 * signal goes to one PID whose start time was read again just before, so a reused PID is never signalled. The one
 * escape is a process that started a session of its own (`setsid`) and was reparented away, as under OpenSSH
 * without systemd. Where there is no `/proc`, each leader's process group is signalled as a whole.
 *
 * @example
 * ```ts
 * import { ProcessSupervisor } from "@tsalive/ssh2-server";
 * const supervisor = new ProcessSupervisor({ killGrace: 500 });
 * supervisor.spawn("/bin/sh", ["-c", "sleep 60 & sleep 60"], { stdio: "ignore" });
 * supervisor.size; // 1
 * await new Promise((resolve) => setTimeout(resolve, 500)); // the shell has started both sleeps by now
 * const stopped = await supervisor.stopAll(); // SIGHUP to all three, SIGKILL 500 ms later if needed
 * stopped.length; // 3
 * // the shell ("/bin/sh -c sleep 60 & sleep 60") and its two sleeps, each with the last signal it was sent
 * ```
 */
export class ProcessSupervisor {
  readonly #killGrace: number;
  readonly #time: Clock & Timers;
  readonly #table: ProcessTable;
  readonly #signal: (target: number, signal: NodeJS.Signals | 0) => boolean;
  readonly #tracked = new Set<Tracked>();
  #closed = false;
  #pruning = false;

  constructor(options: SupervisorOptions = {}) {
    const { killGrace, time, processTable, signal } = checkSupervisorOptions(options);
    this.#killGrace = killGrace;
    this.#time = time;
    this.#table = processTable;
    this.#signal = signal;
  }

  /** Sessions tracked now: their leader runs, or it exited and processes of its session were still seen. */
  get size(): number {
    return this.#tracked.size;
  }

  /** PIDs of the tracked sessions' leaders (each also its session id and process group id). */
  get pids(): number[] {
    return [...this.#tracked].map((tracked) => tracked.target.pid);
  }

  /** Whether `stopAll()` ran: the connection is gone and new processes are refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Spawns `command` as the leader of a session of its own (`detached: true`, which is setsid()) and tracks it and
   * its session.
   *
   * @throws {Error} once the supervisor is closed, or when the process could not be started.
   */
  spawn(command: string, args: readonly string[] = [], options: SupervisedSpawnOptions = {}): ChildProcess {
    if (this.#closed) throw new Error("Cannot spawn: the connection's process supervisor is closed");
    const child = spawn(command, args, { ...options, detached: true });
    return this.track(child);
  }

  /**
   * Tracks a process the caller started itself, and its session. It must lead a session of its own
   * (`detached: true` for `child_process.spawn`; node-pty's forkpty() does it too); one that only leads a process
   * group is tracked with its group. A closed supervisor stops it at once.
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
    const stat = this.#table.read(pid);
    // Right after forkpty() the child may not have called setsid() yet: only a process that already leads a
    // group but not a session is taken for a group leader alone.
    const leadsSession = stat === undefined ? false : stat.session === pid || stat.pgrp !== pid;
    const tracked: Tracked = {
      child,
      target: {
        pid,
        startTime: stat?.startTime,
        leadsSession,
        command: child.spawnargs?.join(" ") ?? "",
      },
      exited: new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once("exit", () => resolve());
      }),
      leaderExited: child.exitCode !== null || child.signalCode !== null,
      stopping: undefined,
    };
    this.#tracked.add(tracked);
    // The session may outlive its leader (`cmd & exit`): it is kept until its processes are gone too.
    void tracked.exited.then(() => {
      tracked.leaderExited = true;
      this.#prune();
    });
    if (this.#closed) void this.#stop([tracked]);
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
   * Stops the session of one supervised process: SIGHUP, then SIGKILL after `killGrace`, and resolves with the
   * processes that went, once they are gone. Resolves at once, with none, for a child this supervisor does not
   * track.
   */
  stop(child: SupervisedProcess): Promise<StoppedProcess[]> {
    for (const tracked of this.#tracked) {
      if (tracked.child === child) return tracked.stopping ?? this.#stop([tracked]);
    }
    return Promise.resolve([]);
  }

  /**
   * Closes the supervisor and stops every session it tracks, together; resolves with the processes that went
   * once all are gone. Idempotent; processes tracked later are stopped as they arrive.
   */
  async stopAll(): Promise<StoppedProcess[]> {
    this.#closed = true;
    const fresh = [...this.#tracked].filter((tracked) => tracked.stopping === undefined);
    const running = [...this.#tracked].filter((tracked) => tracked.stopping !== undefined);
    const runs = new Set([this.#stop(fresh), ...running.map((tracked) => tracked.stopping)]);
    return (await Promise.all(runs)).flatMap((stopped) => stopped ?? []);
  }

  #stop(batch: readonly Tracked[]): Promise<StoppedProcess[]> {
    if (batch.length === 0) return Promise.resolve([]);
    const stopping = (async () => {
      const stopped = await stopProcesses(
        batch.map((tracked) => this.#refresh(tracked)),
        {
          table: this.#table,
          signal: this.#signal,
          clock: this.#time,
          timers: this.#time,
          grace: this.#killGrace,
          self: process.pid,
        },
      );
      await Promise.all(batch.map((tracked) => tracked.exited));
      for (const tracked of batch) this.#tracked.delete(tracked);
      return stopped;
    })();
    for (const tracked of batch) tracked.stopping = stopping;
    return stopping;
  }

  /** A leader still running says for itself whether it leads its session by now. */
  #refresh(tracked: Tracked): StopTarget {
    const { target } = tracked;
    if (tracked.leaderExited || target.startTime === undefined) return target;
    const stat = this.#table.read(target.pid);
    if (stat === undefined || stat.startTime !== target.startTime) return target;
    return { ...target, leadsSession: stat.session === target.pid };
  }

  /**
   * Forgets sessions whose leader exited once nothing of them is left, with one read of the process table for
   * all of them (deferred, so that exits close together share it).
   */
  #prune(): void {
    if (this.#pruning) return;
    this.#pruning = true;
    this.#time.setTimeout(() => {
      void this.#table.list().then((table) => {
        this.#pruning = false;
        for (const tracked of this.#tracked) {
          if (!tracked.leaderExited || tracked.stopping !== undefined) continue;
          const { target } = tracked;
          const left = table?.some(
            (stat) =>
              stat.state !== "Z" &&
              stat.state !== "X" &&
              stat.pid !== target.pid &&
              (target.startTime === undefined || stat.startTime >= target.startTime) &&
              (stat.pgrp === target.pid || (target.leadsSession && stat.session === target.pid)),
          );
          // Without a process table, only the group can be asked.
          if (table === undefined ? !this.#signal(-target.pid, 0) : left !== true) this.#tracked.delete(tracked);
        }
      });
    }, 0);
  }
}
