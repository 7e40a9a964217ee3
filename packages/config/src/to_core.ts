/**
 * From resolved OpenSSH settings to `@tsalive/core` monitor options, with each side's meaning of 0.
 *
 * @module
 */
import type { MonitorOptions } from "@tsalive/core";

/** The client settings the mapping reads (a `ResolvedClientConfig`'s `values` has them). Times in seconds. */
export interface ClientLivenessValues {
  readonly serverAliveInterval: number;
  readonly serverAliveCountMax: number;
  readonly heartbeat: number;
}

/** The server settings the mapping reads (a `ResolvedServerConfig`'s `values` has them). Times in seconds. */
export interface ServerLivenessValues {
  readonly clientAliveInterval: number;
  readonly clientAliveCountMax: number;
  readonly heartbeat: number;
  readonly watchdogTimeout: number;
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
  return {
    ...(values.serverAliveInterval > 0
      ? {
          probe: {
            interval: values.serverAliveInterval * 1000,
            countMax: values.serverAliveCountMax,
            zeroCountMax: "disconnect" as const,
          },
        }
      : {}),
    ...(values.heartbeat > 0 ? { heartbeat: { interval: values.heartbeat * 1000 } } : {}),
  };
}

/**
 * A server's liveness settings as `@tsalive/core` options: ClientAlive becomes `probe` (interval × 1000,
 * `countMax`, and `zeroCountMax: "never"`, because OpenSSH's sshd keeps probing without ever disconnecting when
 * ClientAliveCountMax is 0, since 8.2); `Heartbeat` becomes `heartbeat`; `WatchdogTimeout` becomes `watchdog`.
 * 0 is off: that mechanism is left out. `UnusedConnectionTimeout` is not core's `idle` (it counts time without
 * open channels, not time without traffic): see {@linkcode serverTimeouts}.
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
  return {
    ...(values.clientAliveInterval > 0
      ? {
          probe: {
            interval: values.clientAliveInterval * 1000,
            countMax: values.clientAliveCountMax,
            zeroCountMax: "never" as const,
          },
        }
      : {}),
    ...(values.heartbeat > 0 ? { heartbeat: { interval: values.heartbeat * 1000 } } : {}),
    ...(values.watchdogTimeout > 0 ? { watchdog: { timeout: values.watchdogTimeout * 1000 } } : {}),
  };
}

/**
 * sshd's connection and channel timeouts in milliseconds, shaped for a server adapter's options
 * (`@tsalive/ssh2-server` takes these names): `UnusedConnectionTimeout` (left out when 0 / `none`),
 * `ChannelTimeout` by type pattern, `TCPKeepAlive`.
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
  const channelTimeout: Record<string, number> = {};
  // The first entry for a type pattern is the one sshd's first-match lookup reaches.
  for (const { type, timeout } of values.channelTimeout)
    if (!Object.hasOwn(channelTimeout, type)) channelTimeout[type] = timeout * 1000;
  return {
    ...(values.unusedConnectionTimeout > 0 ? { unusedConnectionTimeout: values.unusedConnectionTimeout * 1000 } : {}),
    channelTimeout,
    tcpKeepAlive: values.tcpKeepAlive,
  };
}
