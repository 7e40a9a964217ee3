/**
 * From resolved OpenSSH settings to `@tsalive/core` monitor options, with each side's meaning of 0.
 *
 * @module
 */
import { formatValue, MAX_TIMER_DELAY, MIN_INTERVAL, type MonitorOptions } from "@tsalive/core";

/**
 * The client settings the mapping reads (a `ResolvedClientConfig`'s `values` has them). Times in seconds, as in
 * ssh_config; 0, `null` or `undefined` is off (a count left out is core's default, 3).
 */
export interface ClientLivenessValues {
  readonly serverAliveInterval: number | null | undefined;
  readonly serverAliveCountMax: number | null | undefined;
  readonly heartbeat: number | null | undefined;
}

/**
 * The server settings the mapping reads (a `ResolvedServerConfig`'s `values` has them). Times in seconds, as in
 * sshd_config; 0, `null` or `undefined` is off (a count left out is core's default, 3).
 */
export interface ServerLivenessValues {
  readonly clientAliveInterval: number | null | undefined;
  readonly clientAliveCountMax: number | null | undefined;
  readonly heartbeat: number | null | undefined;
  readonly watchdogTimeout: number | null | undefined;
}

/** The per-connection and per-channel timeouts of sshd_config, for a server adapter. Times in milliseconds. */
export interface ServerTimeouts {
  /** `UnusedConnectionTimeout` × 1000: close a connection that has had no open channel this long; absent = off. */
  readonly unusedConnectionTimeout?: number;
  /** `ChannelTimeout` × 1000 by channel type pattern, in the configuration's order (first match wins). */
  readonly channelTimeout: Readonly<Record<string, number>>;
  /** `TCPKeepAlive`: SO_KEEPALIVE on the socket. */
  readonly tcpKeepAlive: boolean;
}

/**
 * A client's liveness settings as `@tsalive/core` options: ServerAlive becomes `probe` (interval × 1000, `countMax`,
 * and `zeroCountMax: "disconnect"`, because OpenSSH's ssh gives up at the first expiry when
 * ServerAliveCountMax is 0); `Heartbeat` becomes `heartbeat`. An interval of 0 is off: that mechanism is left out.
 * A value that is not a number of seconds (negative, NaN, a string, under 0.1 s or over 2³¹ − 1 ms) throws a
 * `RangeError` naming it, so the result always makes a working monitor.
 *
 * @example
 * ```ts
 * import { clientMonitorOptions, resolveClientConfig } from "@tsalive/config";
 * const { values } = resolveClientConfig({
 *   host: "web",
 *   localUser: "me",
 *   home: "/home/me",
 *   configFile: { file: "config", text: "Host web\n  ServerAliveInterval 15\n" },
 * });
 * clientMonitorOptions(values);
 * // { probe: { interval: 15000, countMax: 3, zeroCountMax: "disconnect" } }
 * ```
 */
export function clientMonitorOptions(values: ClientLivenessValues): MonitorOptions {
  const prefix = "Cannot map client config to monitor options";
  checkValues(prefix, values);
  const interval = milliseconds(prefix, "serverAliveInterval", values.serverAliveInterval);
  const countMax = count(prefix, "serverAliveCountMax", values.serverAliveCountMax);
  const heartbeat = milliseconds(prefix, "heartbeat", values.heartbeat);
  return {
    ...(interval !== undefined && {
      probe: { interval, ...(countMax !== undefined && { countMax }), zeroCountMax: "disconnect" as const },
    }),
    ...(heartbeat !== undefined && { heartbeat: { interval: heartbeat } }),
  };
}

/**
 * A server's liveness settings as `@tsalive/core` options: ClientAlive becomes `probe` (interval × 1000,
 * `countMax`, and `zeroCountMax: "never"`, because OpenSSH's sshd keeps probing without ever disconnecting when
 * ClientAliveCountMax is 0, since 8.2); `Heartbeat` becomes `heartbeat`; `WatchdogTimeout` becomes `watchdog`.
 * 0 is off: that mechanism is left out. `UnusedConnectionTimeout` is not core's `idle` (it counts time without
 * open channels, not time without traffic): see {@linkcode serverTimeouts}. A value that is not a number of seconds
 * throws a `RangeError` naming it, as {@linkcode clientMonitorOptions} does.
 *
 * @example
 * ```ts
 * import { resolveServerConfig, serverMonitorOptions } from "@tsalive/config";
 * const { values } = resolveServerConfig({
 *   config: { file: "sshd_config", text: "ClientAliveInterval 30\nClientAliveCountMax 0\n" },
 *   extensions: { file: "tsalive_config", text: "WatchdogTimeout 2m\n" },
 * });
 * serverMonitorOptions(values);
 * // { probe: { interval: 30000, countMax: 0, zeroCountMax: "never" }, watchdog: { timeout: 120000 } }
 * ```
 */
export function serverMonitorOptions(values: ServerLivenessValues): MonitorOptions {
  const prefix = "Cannot map server config to monitor options";
  checkValues(prefix, values);
  const interval = milliseconds(prefix, "clientAliveInterval", values.clientAliveInterval);
  const countMax = count(prefix, "clientAliveCountMax", values.clientAliveCountMax);
  const heartbeat = milliseconds(prefix, "heartbeat", values.heartbeat);
  const watchdog = milliseconds(prefix, "watchdogTimeout", values.watchdogTimeout);
  return {
    ...(interval !== undefined && {
      probe: { interval, ...(countMax !== undefined && { countMax }), zeroCountMax: "never" as const },
    }),
    ...(heartbeat !== undefined && { heartbeat: { interval: heartbeat } }),
    ...(watchdog !== undefined && { watchdog: { timeout: watchdog } }),
  };
}

/**
 * sshd's connection and channel timeouts in milliseconds, shaped for a server adapter's options
 * (`@tsalive/ssh2-server` takes these names): `UnusedConnectionTimeout` (left out when 0 / `none`),
 * `ChannelTimeout` by type pattern, `TCPKeepAlive`. A value of the wrong kind throws a `RangeError` naming it.
 *
 * @example
 * ```ts
 * import { resolveServerConfig, serverTimeouts } from "@tsalive/config";
 * const { values } = resolveServerConfig({
 *   config: { file: "sshd_config", text: "UnusedConnectionTimeout 5m\nChannelTimeout session:*=1h\n" },
 *   extensions: null,
 * });
 * serverTimeouts(values);
 * // { unusedConnectionTimeout: 300000, channelTimeout: { "session:*": 3600000 }, tcpKeepAlive: true }
 * ```
 */
export function serverTimeouts(values: {
  readonly unusedConnectionTimeout: number;
  readonly channelTimeout: readonly { readonly type: string; readonly timeout: number }[];
  readonly tcpKeepAlive: boolean;
}): ServerTimeouts {
  const prefix = "Cannot map server config to timeouts";
  checkValues(prefix, values);
  const unused = milliseconds(prefix, "unusedConnectionTimeout", values.unusedConnectionTimeout);
  if (!Array.isArray(values.channelTimeout)) {
    throw new RangeError(
      `${prefix}: "channelTimeout" must be an array of { type, timeout }, received ${formatValue(values.channelTimeout)}`,
    );
  }
  if (typeof values.tcpKeepAlive !== "boolean") {
    throw new RangeError(`${prefix}: "tcpKeepAlive" must be a boolean, received ${formatValue(values.tcpKeepAlive)}`);
  }
  const channelTimeout: Record<string, number> = {};
  for (const [index, entry] of values.channelTimeout.entries()) {
    const type: unknown = (entry as { type?: unknown } | null)?.type;
    if (typeof type !== "string" || type.length === 0) {
      throw new RangeError(
        `${prefix}: "channelTimeout[${index}].type" must be a non-empty string, received ${formatValue(type)}`,
      );
    }
    const timeout = milliseconds(prefix, `channelTimeout[${index}].timeout`, entry.timeout) ?? 0;
    // The first entry for a type pattern is the one sshd's first-match lookup reaches.
    if (!Object.hasOwn(channelTimeout, type)) channelTimeout[type] = timeout;
  }
  return {
    ...(unused !== undefined && { unusedConnectionTimeout: unused }),
    channelTimeout,
    tcpKeepAlive: values.tcpKeepAlive,
  };
}

function checkValues(prefix: string, values: unknown): void {
  if (typeof values !== "object" || values === null) {
    throw new RangeError(`${prefix}: the values must be an object, received ${formatValue(values)}`);
  }
}

/** Seconds as core's milliseconds; `undefined` for off (0, `null`, `undefined`). */
function milliseconds(prefix: string, name: string, seconds: unknown): number | undefined {
  if (seconds === undefined || seconds === null || seconds === 0) return undefined;
  const ms = typeof seconds === "number" ? seconds * 1000 : Number.NaN;
  if (!(ms >= MIN_INTERVAL && ms <= MAX_TIMER_DELAY)) {
    throw new RangeError(
      `${prefix}: "${name}" must be 0 (off) or a number of seconds from ${MIN_INTERVAL / 1000} to ${Math.floor(MAX_TIMER_DELAY / 1000)}, received ${formatValue(seconds)}`,
    );
  }
  return ms;
}

function count(prefix: string, name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${prefix}: "${name}" must be an integer of 0 or more, received ${formatValue(value)}`);
  }
  return value;
}
