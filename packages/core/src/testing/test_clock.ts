import type { Clock, TimerHandle, Timers } from "../clock.ts";

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: (arg: unknown) => void;
  readonly arg: unknown;
}

/**
 * A clock and timers that move only when told to, so tests of liveness logic run in microseconds and never
 * sleep. Pass it as a monitor's `time`: it is the clock and the timers at once.
 *
 * @example
 * ```ts
 * import { LivenessMonitor } from "@tsalive/core";
 * import { TestClock } from "@tsalive/core/testing";
 *
 * const time = new TestClock();
 * const monitor = new LivenessMonitor({ sendProbe() {} }, { probe: { interval: 1000, countMax: 2 }, time });
 * monitor.start();
 * time.advance(2999);
 * monitor.state; // "probing"
 * time.advance(1);
 * monitor.state; // "expired": last inbound + (2 + 1) × 1000 ms
 * ```
 */
export class TestClock implements Clock, Timers {
  #now: number;
  #nextId = 1;
  #pending: PendingTimer[] = [];

  /** @param start the initial reading of {@linkcode TestClock.now} */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: (arg: unknown) => void, delay: number, arg?: unknown): TimerHandle {
    const timer: PendingTimer = { id: this.#nextId++, due: this.#now + Math.max(0, delay), callback, arg };
    // Keep the list ordered by due time, then by creation, as real timers fire.
    let index = this.#pending.length;
    while (index > 0 && (this.#pending[index - 1]?.due ?? 0) > timer.due) index--;
    this.#pending.splice(index, 0, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    const index = this.#pending.findIndex((timer) => timer.id === handle);
    if (index !== -1) this.#pending.splice(index, 1);
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.#pending.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, each with
   * {@linkcode TestClock.now} reading its due time. Timers set by those callbacks fire too if they fall due
   * within the window.
   *
   * @throws {RangeError} when `ms` is negative or not finite.
   */
  advance(ms: number): void {
    if (!(ms >= 0 && Number.isFinite(ms))) {
      throw new RangeError(`Cannot advance test clock: "ms" must be a finite number of 0 or more, received ${ms}`);
    }
    const end = this.#now + ms;
    for (let timer = this.#pending[0]; timer !== undefined && timer.due <= end; timer = this.#pending[0]) {
      this.#pending.shift();
      this.#now = Math.max(this.#now, timer.due);
      timer.callback(timer.arg);
    }
    this.#now = end;
  }
}
