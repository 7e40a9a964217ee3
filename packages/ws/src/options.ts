import {
  type Clock,
  formatValue,
  type HeartbeatOptions,
  type MonitorOptions,
  type ProbeOptions,
  resolveOptions,
  type Timers,
  type WatchdogOptions,
} from "@tsalive/core";

/**
 * The mechanisms both entries run, in the shape of `@tsalive/core`'s `MonitorOptions`. Each one left out,
 * `undefined` or `null` is off. Times are in milliseconds and at least 100 ms unless `allowFastIntervals`; an
 * unknown key or a value of the wrong kind throws a `RangeError` at `attach()`.
 *
 * @example
 * ```ts
 * import type { LivenessOptions } from "@tsalive/ws/browser";
 * // a probe after 5 s of silence, give up after 2 unanswered: dead at last inbound + 15 s
 * const options: LivenessOptions = { probe: { interval: 5_000, countMax: 2 }, heartbeat: { interval: 2_000 } };
 * ```
 */
export interface LivenessOptions {
  /**
   * Probe after `interval` ms with nothing received, every `interval` ms while the silence lasts, and end the
   * socket at last-inbound + (countMax + 1) · interval; or, with `replyTimeout`, when nothing arrives within
   * `replyTimeout` of the first probe.
   */
  readonly probe?: ProbeOptions | null | undefined;
  /**
   * Send a heartbeat after `interval` ms with nothing sent: an unsolicited pong frame (Node, RFC 6455 §5.5.3) or
   * `{"tsalive":"beat"}`. It lets the other end hear from this one while this one only receives, such as during
   * a long download whose pings would wait behind the data.
   */
  readonly heartbeat?: HeartbeatOptions | null | undefined;
  /** End the socket after `timeout` ms with nothing received; no probe is sent. */
  readonly watchdog?: WatchdogOptions | null | undefined;
  /** Clock and timers as one object (a `TestClock` in tests); `performance.now()` and core's shared timers by default. */
  readonly time?: (Clock & Timers) | null | undefined;
  /** Lets intervals and timeouts be shorter than 100 ms: for tests on real time only (see `@tsalive/core`). */
  readonly allowFastIntervals?: boolean | null | undefined;
}

/**
 * What {@linkcode attach} does to a `ws` WebSocket.
 *
 * @example
 * ```ts
 * import type { WsOptions } from "@tsalive/ws";
 * // a server probing browser pages with app-level messages, which a frozen tab cannot answer
 * const options: WsOptions = { probe: { interval: 10_000, countMax: 2 }, probeWith: "message" };
 * ```
 */
export interface WsOptions extends LivenessOptions {
  /**
   * How probes and heartbeats go out. `"ping"` (default): ping frames, answered by the peer's WebSocket stack,
   * and unsolicited pong frames. `"message"`: the app-level messages of the `@tsalive/ws/browser` convention,
   * answered by the peer's tsalive: use it towards a browser, whose network stack answers ping frames even while
   * the page is frozen.
   */
  readonly probeWith?: "ping" | "message" | null | undefined;
  /**
   * Whether to answer the peer's app-level pings and hide every control message from the socket's `message`
   * listeners. Default `true`; with `false` they reach the application like any text message.
   */
  readonly answerMessages?: boolean | null | undefined;
}

/** Each options object is checked once, however many sockets share it. */
const checked = new WeakMap<object, MonitorOptions | undefined>();

/**
 * Checks `options`, core's share included, and returns the core options of the monitor, or `undefined` when no
 * mechanism is on.
 *
 * @throws {RangeError} naming the option and the value received.
 */
export function monitorOptionsOf(options: WsOptions, prefix: string): MonitorOptions | undefined {
  if (typeof options !== "object" || options === null) {
    throw new RangeError(`${prefix}: options must be an object, received ${formatValue(options)}`);
  }
  if (checked.has(options)) return checked.get(options);
  const { probeWith, answerMessages, ...core } = options;
  if (probeWith != null && probeWith !== "ping" && probeWith !== "message") {
    throw new RangeError(`${prefix}: "probeWith" must be "ping" or "message", received ${formatValue(probeWith)}`);
  }
  if (answerMessages != null && typeof answerMessages !== "boolean") {
    throw new RangeError(`${prefix}: "answerMessages" must be a boolean, received ${formatValue(answerMessages)}`);
  }
  const resolved = resolveOptions(core, { prefix });
  if (resolved.idle !== undefined) {
    // Every inbound byte is activity here, pings and pongs included: an idle timeout could never tell them apart.
    throw new RangeError(
      `${prefix}: "idle" is not supported on WebSocket, received ${formatValue((core as MonitorOptions).idle)}`,
    );
  }
  const result =
    resolved.probe === undefined && resolved.heartbeat === undefined && resolved.watchdog === undefined
      ? undefined
      : core;
  checked.set(options, result);
  return result;
}
