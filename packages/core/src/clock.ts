/**
 * A monotonic clock in milliseconds.
 *
 * Only differences between two readings mean anything; wall-clock jumps (NTP, a user changing the date) never
 * move it. The default, {@linkcode systemClock}, reads `performance.now()`, which Node, Deno, Bun and browsers
 * all provide.
 *
 * @example
 * ```ts
 * import { systemClock } from "@tsalive/core";
 * const start = systemClock.now();
 * const elapsed = systemClock.now() - start; // >= 0, never jumps backwards
 * ```
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin, never decreasing. */
  now(): number;
}

/** What {@linkcode Timers.setTimeout} returns: opaque, only handed back to {@linkcode Timers.clearTimeout}. */
export type TimerHandle = unknown;

/**
 * One-shot timers, so that tests and custom schedulers can replace the globals.
 *
 * @example
 * ```ts
 * import { systemTimers } from "@tsalive/core";
 * const handle = systemTimers.setTimeout(() => console.log("late"), 1000);
 * systemTimers.clearTimeout(handle);
 * ```
 */
export interface Timers {
  /** Calls `callback` once, `delay` milliseconds from now. */
  setTimeout(callback: () => void, delay: number): TimerHandle;
  /**
   * Calls `callback(arg)` once, `delay` milliseconds from now. Passing the receiver as `arg` lets thousands of
   * monitors share one callback instead of holding a closure each (the globals accept it the same way).
   */
  setTimeout<T>(callback: (arg: T) => void, delay: number, arg: T): TimerHandle;
  /** Cancels a timer that has not fired yet; cancelling twice or after it fired does nothing. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The longest delay the global `setTimeout` honours. Larger delays are silently clamped to 1 ms by Node (with a
 * warning) and by browsers, which would turn a long timeout into a busy loop.
 */
export const MAX_TIMER_DELAY: number = 2 ** 31 - 1;

// Read once: in Node the global is a getter, and going through it costs a quarter of every clock read.
const { performance } = globalThis;

/** The clock every monitor uses unless told otherwise: `performance.now()`. */
export const systemClock: Clock = { now: () => performance.now() };

interface Unrefable {
  unref?: () => unknown;
}

/**
 * The global `setTimeout` and `clearTimeout`. Timers are unref'd where the runtime supports it (Node, Bun), so a
 * liveness monitor never keeps a process alive on its own.
 */
export const systemTimers: Timers = {
  setTimeout(callback: (arg?: unknown) => void, delay: number, arg?: unknown) {
    // Cast, not annotated: an annotation would narrow to the one runtime's return type (Deno's is a number).
    // Without an argument, no argument list: the shared timers arm one per wake-up.
    const handle = (
      arg === undefined ? globalThis.setTimeout(callback, delay) : globalThis.setTimeout(callback, delay, arg)
    ) as Unrefable | number;
    if (typeof handle === "object") handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as number);
  },
};

/**
 * {@linkcode systemClock} and {@linkcode systemTimers} as one `time` option: one runtime timer per monitor instead
 * of the shared heap every monitor uses by default.
 *
 * @example
 * ```ts
 * import { LivenessMonitor, systemTime } from "@tsalive/core";
 * const monitor = new LivenessMonitor({}, { watchdog: { timeout: 30_000 }, time: systemTime });
 * ```
 */
export const systemTime: Clock & Timers = {
  now: systemClock.now,
  setTimeout: systemTimers.setTimeout,
  clearTimeout: systemTimers.clearTimeout,
};
