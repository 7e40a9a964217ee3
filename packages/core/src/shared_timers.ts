import { type Clock, MAX_TIMER_DELAY, systemClock, systemTimers, type TimerHandle, type Timers } from "./clock.ts";
import { resolveTime } from "./options.ts";

interface Entry {
  /** The bucket holding the entry, or `undefined` once fired or cleared. */
  bucket: Bucket | undefined;
  /** Position in its bucket's `entries`. */
  slot: number;
  readonly callback: (arg: unknown) => void;
  readonly arg: unknown;
}

/**
 * Every pending entry due at one millisecond, in the order they were set. Deadlines are whole milliseconds, and
 * monitors re-arming in one probe round all land on the same few: a round fires whole arrays in order instead of
 * sifting each entry out of a heap of every entry.
 */
interface Bucket {
  readonly due: number;
  /** Entries in the order set; a cleared or fired one leaves a hole (`undefined`). */
  entries: (Entry | undefined)[];
  /** Entries neither fired nor cleared. */
  live: number;
  /** Where firing resumes: every slot before it is a hole. */
  next: number;
  /** Position in the heap of buckets, or -1 once removed. */
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
 * Timers that multiplex any number of pending timeouts onto one underlying timer: the entries due at one
 * millisecond share an array, and those arrays are ordered in a binary heap.
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

/**
 * Sets a timeout that has fired again, with its callback and argument, reusing its entry: a monitor re-arming
 * from its own callback then allocates nothing. `at` is the deadline on `clock`, read at `now`; when `clock` is
 * the one the timers keep their deadlines on, the entry goes to that millisecond without another clock read.
 * Internal to the package; the handle must have fired (it is returned unchanged, the one handle for both).
 */
export let rearm: (timers: SharedTimers, handle: TimerHandle, clock: Clock, now: number, at: number) => TimerHandle;

/** The {@linkcode Timers} returned by {@linkcode createSharedTimers}. */
export class SharedTimers implements Clock, Timers {
  readonly #clock: Clock;
  readonly #timers: Timers;
  /** Buckets with a live entry, a binary heap on `due` (dues are distinct: one bucket per millisecond). */
  readonly #heap: Bucket[] = [];
  readonly #byDue = new Map<number, Bucket>();
  /** The bucket last added to: a round of monitors re-arming goes to one bucket without a map lookup each. */
  #last: Bucket | undefined;
  #size = 0;
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
    return this.#size;
  }

  setTimeout(callback: (arg: unknown) => void, delay: number, arg?: unknown): TimerHandle {
    return this.#add({ bucket: undefined, slot: 0, callback, arg }, delay);
  }

  static {
    rearm = (timers, handle, clock, now, at) => {
      const entry = handle as Entry;
      const delay = Math.max(at - now, 0);
      if (entry.bucket !== undefined) return timers.setTimeout(entry.callback, delay, entry.arg);
      if (clock !== timers && clock !== timers.#clock) return timers.#add(entry, delay);
      return timers.#addAt(entry, Math.ceil(Math.max(at, now)));
    };
  }

  #add(entry: Entry, delay: number): Entry {
    return this.#addAt(entry, Math.ceil(this.#clock.now() + Math.max(0, delay)));
  }

  #addAt(entry: Entry, due: number): Entry {
    let bucket = this.#last;
    if (bucket === undefined || bucket.due !== due || bucket.index < 0) {
      bucket = this.#byDue.get(due);
      if (bucket === undefined) {
        bucket = { due, entries: [], live: 0, next: 0, index: -1 };
        this.#byDue.set(due, bucket);
        this.#push(bucket);
      }
      this.#last = bucket;
    }
    entry.bucket = bucket;
    entry.slot = bucket.entries.length;
    bucket.entries.push(entry);
    bucket.live++;
    this.#size++;
    if (due < this.#armedFor) this.#arm();
    return entry;
  }

  clearTimeout(handle: TimerHandle): void {
    const entry = handle as Entry;
    if (typeof entry !== "object" || entry === null) return;
    const bucket = entry.bucket;
    if (bucket === undefined || bucket.entries[entry.slot] !== entry) return;
    bucket.entries[entry.slot] = undefined;
    entry.bucket = undefined;
    this.#size--;
    if (--bucket.live === 0) this.#drop(bucket);
    else if (bucket.entries.length - bucket.next > 4 * bucket.live + 16) compact(bucket);
    if (this.#size === 0) this.#disarm();
  }

  #run(): void {
    this.#handle = undefined;
    // No underlying timer while the batch runs (callbacks re-arming would each set one): it is armed once after.
    this.#armedFor = Number.NEGATIVE_INFINITY;
    const now = this.#clock.now();
    try {
      // Bounded by the entries pending now; callbacks that keep setting timeouts due now run in a later turn.
      // Thousands of monitors falling due together (a probe round) would block the event loop for one long batch:
      // after SLICE ms the rest waits for the next turn, so socket I/O (the replies, among others) runs in between.
      let budget = this.#size;
      outer: while (budget > 0) {
        const bucket = this.#heap[0];
        if (bucket === undefined || bucket.due > now) break;
        // Fields re-read on every step: a callback may clear (and so compact) or add to this very bucket.
        while (bucket.next < bucket.entries.length) {
          const entry = bucket.entries[bucket.next];
          bucket.entries[bucket.next++] = undefined;
          if (entry === undefined) continue;
          entry.bucket = undefined;
          this.#size--;
          if (--bucket.live === 0) this.#drop(bucket);
          entry.callback(entry.arg);
          if (--budget === 0 || this.#clock.now() - now >= SLICE) break outer;
        }
        if (bucket.index >= 0) this.#drop(bucket);
      }
    } finally {
      // A callback that throws must not stall every other timeout behind it.
      if (this.#handle === undefined) this.#armedFor = Number.POSITIVE_INFINITY;
      this.#arm();
    }
  }

  #arm(): void {
    const top = this.#heap[0];
    if (top === undefined || top.due >= this.#armedFor) return;
    this.#disarm();
    this.#armedFor = top.due;
    // Whole milliseconds, rounded up: the runtime keeps its timers in lists by delay, and a fractional delay
    // makes a list of its own each time (one per wake-up); it also fires a wake-up early as often as not, on the
    // runtime's own millisecond clock, for a turn that finds nothing due.
    const delay = Math.min(Math.max(Math.ceil(top.due - this.#clock.now()), 0), MAX_TIMER_DELAY);
    this.#handle = this.#timers.setTimeout(this.#onTimer, delay);
  }

  #disarm(): void {
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  /** Removes a bucket from the heap and the map; its remaining slots are holes or entries about to fire. */
  #drop(bucket: Bucket): void {
    if (bucket.index < 0) return;
    this.#byDue.delete(bucket.due);
    this.#removeAt(bucket.index);
  }

  #push(bucket: Bucket): void {
    bucket.index = this.#heap.length;
    this.#heap.push(bucket);
    this.#up(bucket.index);
  }

  #removeAt(index: number): void {
    const heap = this.#heap;
    const removed = heap[index] as Bucket;
    const last = heap.pop() as Bucket;
    removed.index = -1;
    if (last === removed) return;
    heap[index] = last;
    last.index = index;
    this.#down(index);
    this.#up(last.index);
  }

  #up(index: number): void {
    const heap = this.#heap;
    const bucket = heap[index] as Bucket;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Bucket;
      if (parent.due <= bucket.due) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = bucket;
    bucket.index = index;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const bucket = heap[index] as Bucket;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= heap.length) break;
      const right = heap[child + 1];
      if (right !== undefined && right.due < (heap[child] as Bucket).due) child++;
      const smallest = heap[child] as Bucket;
      if (smallest.due >= bucket.due) break;
      heap[index] = smallest;
      smallest.index = index;
      index = child;
    }
    heap[index] = bucket;
    bucket.index = index;
  }
}

/** Closes the holes clears left in a bucket, keeping its entries' order; run when holes outnumber entries. */
function compact(bucket: Bucket): void {
  const entries: Entry[] = [];
  for (let i = bucket.next; i < bucket.entries.length; i++) {
    const entry = bucket.entries[i];
    if (entry === undefined) continue;
    entry.slot = entries.length;
    entries.push(entry);
  }
  bucket.entries = entries;
  bucket.next = 0;
}
