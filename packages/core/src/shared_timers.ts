import { type Clock, MAX_TIMER_DELAY, systemClock, systemTimers, type TimerHandle, type Timers } from "./clock.ts";
import { resolveTime } from "./options.ts";

interface Entry {
  due: number;
  readonly seq: number;
  readonly callback: (arg: unknown) => void;
  readonly arg: unknown;
  /** Position in the heap, or -1 once fired or cleared. */
  index: number;
}

/** Options of {@linkcode createSharedTimers}. */
export interface SharedTimersOptions {
  /**
   * The clock the deadlines are read from and the timers the one underlying timer comes from, as one object (a
   * `TestClock` in tests); by default {@linkcode systemClock} and {@linkcode systemTimers} (unref'd).
   */
  readonly time?: (Clock & Timers) | null | undefined;
  /**
   * Clock the deadlines are read from.
   *
   * @deprecated Pass `time` instead; removed in the next minor version.
   */
  readonly clock?: Clock | null | undefined;
  /**
   * Where the one underlying timer comes from.
   *
   * @deprecated Pass `time` instead; removed in the next minor version.
   */
  readonly timers?: Timers | null | undefined;
}

/**
 * Timers that multiplex any number of pending timeouts onto one underlying timer, ordered in a binary heap.
 *
 * Pass the same instance to many monitors as their `time` (`new LivenessMonitor(t, { time: shared, ... })`) when one process
 * watches tens of thousands of connections: each pending timeout then costs a small heap entry instead of a
 * runtime timer object. Callbacks due at the same instant fire in the order they were set, like the globals.
 *
 * @example
 * ```ts
 * import { createSharedTimers, LivenessMonitor } from "@tsalive/core";
 *
 * const timers = createSharedTimers();
 * const monitors = Array.from({ length: 3 }, () =>
 *   new LivenessMonitor({ sendProbe() {} }, { probe: { interval: 15_000 }, time: timers }),
 * );
 * for (const monitor of monitors) monitor.start();
 * timers.size; // 3 pending timeouts, 1 runtime timer
 * for (const monitor of monitors) monitor.stop();
 * ```
 */
export function createSharedTimers(options: SharedTimersOptions = {}): SharedTimers {
  const { clock, timers } = resolveTime(options ?? {}, "Cannot create shared timers");
  return new SharedTimers(clock ?? systemClock, timers ?? systemTimers);
}

/** Milliseconds of callbacks one turn may run before the rest of the due timeouts yield to I/O. */
const SLICE = 5;

let processTimers: SharedTimers | undefined;

/**
 * The process-wide {@linkcode SharedTimers} that monitors use when given no `time`: one runtime timer, unref'd,
 * for every monitor of the process. Created on first use.
 */
export function defaultTimers(): SharedTimers {
  processTimers ??= createSharedTimers();
  return processTimers;
}

/** The {@linkcode Timers} returned by {@linkcode createSharedTimers}. */
export class SharedTimers implements Clock, Timers {
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #heap: Entry[] = [];
  #seq = 0;
  #handle: TimerHandle | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  readonly #onTimer = (): void => this.#run();

  constructor(clock: Clock, timers: Timers) {
    this.#clock = clock;
    this.#timers = timers;
  }

  /** The reading of the clock the deadlines are kept on, so that one instance can be a monitor's `time`. */
  now(): number {
    return this.#clock.now();
  }

  /** How many timeouts are pending. */
  get size(): number {
    return this.#heap.length;
  }

  setTimeout(callback: (arg: unknown) => void, delay: number, arg?: unknown): TimerHandle {
    const entry: Entry = {
      due: Math.ceil(this.#clock.now() + Math.max(0, delay)),
      seq: this.#seq++,
      callback,
      arg,
      index: -1,
    };
    this.#push(entry);
    this.#arm();
    return entry;
  }

  clearTimeout(handle: TimerHandle): void {
    const entry = handle as Entry;
    if (typeof entry !== "object" || entry === null || entry.index < 0 || this.#heap[entry.index] !== entry) return;
    this.#removeAt(entry.index);
    if (this.#heap.length === 0) this.#disarm();
  }

  #run(): void {
    this.#handle = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    try {
      // Bounded by the entries due now; callbacks that set new timeouts due now run in the next turn. Thousands of
      // monitors falling due together (a probe round) would block the event loop for one long batch: after
      // SLICE ms the rest waits for the next turn, so socket I/O (the replies, among others) runs in between.
      for (let budget = this.#heap.length; budget > 0; budget--) {
        const top = this.#heap[0];
        if (top === undefined || top.due > now) break;
        this.#removeAt(0);
        top.callback(top.arg);
        if (this.#clock.now() - now >= SLICE) break;
      }
    } finally {
      // A callback that throws must not stall every other timeout behind it.
      this.#arm();
    }
  }

  #arm(): void {
    const top = this.#heap[0];
    if (top === undefined || top.due >= this.#armedFor) return;
    this.#disarm();
    this.#armedFor = top.due;
    const delay = Math.min(Math.max(top.due - this.#clock.now(), 0), MAX_TIMER_DELAY);
    this.#handle = this.#timers.setTimeout(this.#onTimer, delay);
  }

  #disarm(): void {
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #push(entry: Entry): void {
    entry.index = this.#heap.length;
    this.#heap.push(entry);
    this.#up(entry.index);
  }

  #removeAt(index: number): void {
    const heap = this.#heap;
    const removed = heap[index] as Entry;
    const last = heap.pop() as Entry;
    removed.index = -1;
    if (last === removed) return;
    heap[index] = last;
    last.index = index;
    this.#down(index);
    this.#up(last.index);
  }

  #up(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as Entry;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Entry;
      if (!before(entry, parent)) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as Entry;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= heap.length) break;
      const right = heap[child + 1];
      if (right !== undefined && before(right, heap[child] as Entry)) child++;
      const smallest = heap[child] as Entry;
      if (!before(smallest, entry)) break;
      heap[index] = smallest;
      smallest.index = index;
      index = child;
    }
    heap[index] = entry;
    entry.index = index;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
