import { checkDuration, checkKeys, formatValue } from "./check.ts";
import type { Clock, Timers } from "./clock.ts";

/**
 * ServerAlive / ClientAlive: probe the peer after inbound silence and give up when it stays silent.
 *
 * A probe goes out only after `interval` ms with nothing received, then every `interval` ms while the silence
 * lasts. Any inbound packet resets the count. The monitor expires at exactly
 * `lastInbound + (countMax + 1) * interval`, after `countMax` probes, as OpenSSH's client does
 * (clientloop.c), without its whole-second rounding.
 */
export interface ProbeOptions {
  /** Milliseconds of inbound silence before each probe (`ServerAliveInterval` × 1000). */
  readonly interval: number;
  /** Probes that may go unanswered (`ServerAliveCountMax`, default 3). */
  readonly countMax?: number | undefined;
  /**
   * What `countMax: 0` means. `"disconnect"` (default, OpenSSH `ssh`): expire at the first expiry without
   * probing. `"never"` (OpenSSH `sshd` since 8.2): keep probing, never expire.
   */
  readonly zeroCountMax?: "disconnect" | "never" | undefined;
  /**
   * gRPC-style keepalive timeout in milliseconds. When set, one probe goes out after `interval` of silence and
   * the monitor expires if nothing at all arrives within `replyTimeout` of it: detection takes
   * `interval + replyTimeout`, and `countMax` is not used.
   */
  readonly replyTimeout?: number | null | undefined;
}

/** Heartbeat: ask the transport to send `SSH_MSG_IGNORE` after `interval` ms with nothing sent. */
export interface HeartbeatOptions {
  /** Milliseconds of outbound silence before a heartbeat (`Heartbeat` × 1000). */
  readonly interval: number;
}

/** Watchdog: expire after `timeout` ms with nothing received. Outbound traffic never postpones it. */
export interface WatchdogOptions {
  /** Milliseconds of inbound silence (`WatchdogTimeout` × 1000). */
  readonly timeout: number;
}

/** Idle timeout: expire after `timeout` ms with no traffic either way other than keepalive traffic. */
export interface IdleOptions {
  /** Milliseconds without non-keepalive traffic (Dropbear `-I` × 1000). */
  readonly timeout: number;
}

/**
 * The mechanisms of one {@linkcode LivenessMonitor}; each one left out, `undefined` or `null` is off. Times are in
 * milliseconds, and at least {@linkcode MIN_INTERVAL} (100 ms) unless `allowFastIntervals` is set. Any other key,
 * or a value of the wrong kind (`false`, `0`, a string, NaN), throws a `RangeError`.
 *
 * @example
 * ```ts
 * import type { MonitorOptions } from "@tsalive/core";
 * // ssh -o ServerAliveInterval=15 -o ServerAliveCountMax=3, plus a 60 s heartbeat
 * const options: MonitorOptions = {
 *   probe: { interval: 15_000, countMax: 3 },
 *   heartbeat: { interval: 60_000 },
 * };
 * ```
 */
export interface MonitorOptions {
  readonly probe?: ProbeOptions | null | undefined;
  readonly heartbeat?: HeartbeatOptions | null | undefined;
  readonly watchdog?: WatchdogOptions | null | undefined;
  readonly idle?: IdleOptions | null | undefined;
  /**
   * The monotonic clock and the timers, as one object so that they cannot disagree: a `TestClock` in tests,
   * {@linkcode createSharedTimers} for a shared heap of your own, {@linkcode systemTime} for one runtime timer per
   * monitor. By default `performance.now()` and one process-wide {@linkcode SharedTimers} for every monitor.
   */
  readonly time?: (Clock & Timers) | null | undefined;
  /**
   * Lets intervals and timeouts be shorter than {@linkcode MIN_INTERVAL} (100 ms), down to 1 ms: for tests on real
   * time only. Without it a short value is refused, because it is almost always seconds written as milliseconds.
   */
  readonly allowFastIntervals?: boolean | null | undefined;
  /**
   * Monotonic clock.
   *
   * @deprecated Pass `time` (a `Clock & Timers`) instead; `clock` alone leaves the timers on the real clock.
   * Removed in the next minor version.
   */
  readonly clock?: Clock | null | undefined;
  /**
   * Timer functions.
   *
   * @deprecated Pass `time` (a `Clock & Timers`) instead: `createSharedTimers()`, `systemTime` or a `TestClock`.
   * Removed in the next minor version.
   */
  readonly timers?: Timers | null | undefined;
}

/** Validated, defaulted probe settings. */
export interface ResolvedProbe {
  readonly interval: number;
  readonly countMax: number;
  readonly zeroCountMax: "disconnect" | "never";
  readonly replyTimeout: number | undefined;
}

/** Validated options, ready for the monitor; an absent mechanism is `undefined`. */
export interface ResolvedOptions {
  readonly probe: ResolvedProbe | undefined;
  readonly heartbeat: number | undefined;
  readonly watchdog: number | undefined;
  readonly idle: number | undefined;
}

/** Who checks the options, for adapters that take core's options inside their own. */
export interface ResolveContext {
  /** How every error message starts; `"Cannot create liveness monitor"` by default. */
  readonly prefix?: string;
  /** Top-level keys the caller checks itself, accepted beside core's (an adapter's own options). */
  readonly extraKeys?: readonly string[];
}

const PREFIX = "Cannot create liveness monitor";
const KEYS = ["probe", "heartbeat", "watchdog", "idle", "time", "allowFastIntervals"] as const;
const DEPRECATED_KEYS = ["clock", "timers"] as const;
const PROBE_KEYS = ["interval", "countMax", "zeroCountMax", "replyTimeout"] as const;

/**
 * Checks `options` and fills in defaults, throwing a `RangeError` that names the option and the received value:
 * unknown keys (with a hint for OpenSSH and ssh2 spellings such as `serverAliveInterval`), values of the wrong
 * kind, times under 100 ms (without `allowFastIntervals`) or over 2³¹ − 1 ms, and a `time`, `clock` or `timers`
 * that lacks its functions. `null` and `undefined` switch a mechanism off.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "@tsalive/core";
 * resolveOptions({ probe: { interval: 1000 } }).probe?.countMax; // 3
 * resolveOptions({ probe: { interval: 1 } }); // throws RangeError: … at least 100 milliseconds, received 1 …
 * resolveOptions({ probe: { interval: 2 ** 31 } }); // throws RangeError
 * ```
 */
export function resolveOptions(
  options: MonitorOptions | null | undefined,
  context: ResolveContext = {},
): ResolvedOptions {
  const prefix = context.prefix ?? PREFIX;
  if (options === undefined || options === null) return OFF;
  if (typeof options !== "object") {
    throw new RangeError(`${prefix}: options must be an object, received ${formatValue(options)}`);
  }
  const known = context.extraKeys === undefined ? KEYS : [...KEYS, ...context.extraKeys];
  checkKeys(prefix, "", options, known, DEPRECATED_KEYS);
  const fast = checkFlag(prefix, "allowFastIntervals", options.allowFastIntervals);
  resolveTime(options, prefix);
  const probe = mechanism(prefix, "probe", options.probe, PROBE_KEYS, known);
  let resolvedProbe: ResolvedProbe | undefined;
  if (probe !== undefined) {
    const zeroCountMax = probe.zeroCountMax ?? "disconnect";
    if (zeroCountMax !== "disconnect" && zeroCountMax !== "never") {
      throw new RangeError(
        `${prefix}: "probe.zeroCountMax" must be "disconnect" or "never", received ${formatValue(zeroCountMax)}`,
      );
    }
    resolvedProbe = {
      interval: checkDuration(prefix, "probe.interval", probe.interval, fast),
      countMax: count(prefix, "probe.countMax", probe.countMax ?? 3),
      zeroCountMax,
      replyTimeout:
        probe.replyTimeout === undefined || probe.replyTimeout === null
          ? undefined
          : checkDuration(prefix, "probe.replyTimeout", probe.replyTimeout, fast),
    };
  }
  const heartbeat = mechanism(prefix, "heartbeat", options.heartbeat, ["interval"], known);
  const watchdog = mechanism(prefix, "watchdog", options.watchdog, ["timeout"], known);
  const idle = mechanism(prefix, "idle", options.idle, ["timeout"], known);
  return {
    probe: resolvedProbe,
    heartbeat: heartbeat && checkDuration(prefix, "heartbeat.interval", heartbeat.interval, fast),
    watchdog: watchdog && checkDuration(prefix, "watchdog.timeout", watchdog.timeout, fast),
    idle: idle && checkDuration(prefix, "idle.timeout", idle.timeout, fast),
  };
}

const OFF: ResolvedOptions = Object.freeze({
  probe: undefined,
  heartbeat: undefined,
  watchdog: undefined,
  idle: undefined,
});

/**
 * The clock and timers `options` ask for, checked: `time`, or the deprecated `clock` and `timers` (which cannot be
 * given beside `time`); `undefined` where the default applies.
 */
export function resolveTime(
  options: MonitorOptions,
  prefix: string = PREFIX,
): { readonly clock: Clock | undefined; readonly timers: Timers | undefined } {
  const { time, clock, timers } = options;
  if (time !== undefined && time !== null) {
    if ((clock !== undefined && clock !== null) || (timers !== undefined && timers !== null)) {
      throw new RangeError(
        `${prefix}: "time" replaces "clock" and "timers", received both "time" and ${clock != null ? '"clock"' : '"timers"'}`,
      );
    }
    checkClock(prefix, "time", time);
    checkTimers(prefix, "time", time);
    return { clock: time, timers: time };
  }
  if (clock !== undefined && clock !== null) checkClock(prefix, "clock", clock);
  if (timers !== undefined && timers !== null) checkTimers(prefix, "timers", timers);
  return { clock: clock ?? undefined, timers: timers ?? undefined };
}

function checkClock(prefix: string, name: string, clock: unknown): void {
  const now = typeof clock === "object" && clock !== null ? (clock as Partial<Clock>).now : undefined;
  if (typeof now !== "function") {
    throw new RangeError(`${prefix}: "${name}" must have a now() function (a Clock), received ${formatValue(clock)}`);
  }
  const reading: unknown = now.call(clock);
  if (typeof reading !== "number" || !Number.isFinite(reading)) {
    throw new RangeError(`${prefix}: "${name}.now()" must return a finite number, received ${formatValue(reading)}`);
  }
}

function checkTimers(prefix: string, name: string, timers: unknown): void {
  const candidate = typeof timers === "object" && timers !== null ? (timers as Partial<Timers>) : undefined;
  if (typeof candidate?.setTimeout !== "function" || typeof candidate.clearTimeout !== "function") {
    throw new RangeError(
      `${prefix}: "${name}" must have setTimeout() and clearTimeout() functions (Timers), received ${formatValue(timers)}`,
    );
  }
}

/** A mechanism's object: `undefined` when off (`undefined` or `null`), else checked to be an object of `keys`. */
function mechanism<T extends object>(
  prefix: string,
  name: string,
  value: T | null | undefined,
  keys: readonly string[],
  top: readonly string[],
): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new RangeError(
      `${prefix}: "${name}" must be an object such as { ${keys[0]}: 15000 }, or null or undefined for off, received ${formatValue(value)}`,
    );
  }
  checkKeys(prefix, name, value, keys, [], top);
  return value;
}

function checkFlag(prefix: string, name: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") {
    throw new RangeError(`${prefix}: "${name}" must be a boolean, received ${formatValue(value)}`);
  }
  return value;
}

function count(prefix: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${prefix}: "${name}" must be an integer of 0 or more, received ${formatValue(value)}`);
  }
  return value;
}
