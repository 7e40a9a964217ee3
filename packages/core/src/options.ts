import { type Clock, MAX_TIMER_DELAY, type Timers } from "./clock.ts";

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
  readonly countMax?: number;
  /**
   * What `countMax: 0` means. `"disconnect"` (default, OpenSSH `ssh`): expire at the first expiry without
   * probing. `"never"` (OpenSSH `sshd` since 8.2): keep probing, never expire.
   */
  readonly zeroCountMax?: "disconnect" | "never";
  /**
   * gRPC-style keepalive timeout in milliseconds. When set, one probe goes out after `interval` of silence and
   * the monitor expires if nothing at all arrives within `replyTimeout` of it: detection takes
   * `interval + replyTimeout`, and `countMax` is not used.
   */
  readonly replyTimeout?: number;
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
 * The mechanisms of one {@linkcode LivenessMonitor}; each one left out is off.
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
  readonly probe?: ProbeOptions;
  readonly heartbeat?: HeartbeatOptions;
  readonly watchdog?: WatchdogOptions;
  readonly idle?: IdleOptions;
  /** Monotonic clock; {@linkcode systemClock} by default. */
  readonly clock?: Clock;
  /**
   * Timer functions. By default one process-wide {@linkcode SharedTimers} multiplexes every monitor onto a single
   * runtime timer; pass {@linkcode systemTimers} for one runtime timer per monitor, or a `TestClock` in tests.
   */
  readonly timers?: Timers;
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

const PREFIX = "Cannot create liveness monitor";

/**
 * Checks `options` and fills in defaults, throwing a `RangeError` that names the option and the received value.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "@tsalive/core";
 * resolveOptions({ probe: { interval: 1000 } }).probe?.countMax; // 3
 * resolveOptions({ probe: { interval: 2 ** 31 } }); // throws RangeError
 * ```
 */
export function resolveOptions(options: MonitorOptions): ResolvedOptions {
  const { probe } = options;
  let resolvedProbe: ResolvedProbe | undefined;
  if (probe !== undefined) {
    const zeroCountMax = probe.zeroCountMax ?? "disconnect";
    if (zeroCountMax !== "disconnect" && zeroCountMax !== "never") {
      throw new RangeError(
        `${PREFIX}: "probe.zeroCountMax" must be "disconnect" or "never", received ${show(zeroCountMax)}`,
      );
    }
    resolvedProbe = {
      interval: duration("probe.interval", probe.interval),
      countMax: count("probe.countMax", probe.countMax ?? 3),
      zeroCountMax,
      replyTimeout: probe.replyTimeout === undefined ? undefined : duration("probe.replyTimeout", probe.replyTimeout),
    };
  }
  return {
    probe: resolvedProbe,
    heartbeat: options.heartbeat && duration("heartbeat.interval", options.heartbeat.interval),
    watchdog: options.watchdog && duration("watchdog.timeout", options.watchdog.timeout),
    idle: options.idle && duration("idle.timeout", options.idle.timeout),
  };
}

function duration(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0 && value <= MAX_TIMER_DELAY)) {
    throw new RangeError(
      `${PREFIX}: "${name}" must be a number of milliseconds greater than 0 and at most ${MAX_TIMER_DELAY}, received ${show(value)}`,
    );
  }
  return value;
}

function count(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${PREFIX}: "${name}" must be an integer of 0 or more, received ${show(value)}`);
  }
  return value;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
