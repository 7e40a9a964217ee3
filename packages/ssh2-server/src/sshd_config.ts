import { MAX_TIMER_DELAY } from "@tsalive/core";
import type { ConnectionInfo, ServerOptions } from "./options.ts";

/**
 * The sshd_config keywords tsalive acts on, typed as sshd reads them (times in seconds, 0 for off): the shape of
 * `resolveServerConfig(…).values` from `@tsalive/config`, so its result can be passed as it is. `Heartbeat` and
 * `WatchdogTimeout` are tsalive's extension keywords (the 2001 patch), which config reads from its own file.
 */
export interface SshdLivenessConfig {
  /** `ClientAliveInterval` in seconds; 0 is off. */
  readonly clientAliveInterval?: number;
  /** `ClientAliveCountMax`; 0 keeps probing and never disconnects (sshd ≥ 8.2). Default 3. */
  readonly clientAliveCountMax?: number;
  /** `Heartbeat` in seconds; 0 is off. */
  readonly heartbeat?: number;
  /** `WatchdogTimeout` in seconds; 0 is off. */
  readonly watchdogTimeout?: number;
  /** `UnusedConnectionTimeout` in seconds; 0 (`none`) is off. */
  readonly unusedConnectionTimeout?: number;
  /** `ChannelTimeout` entries in order, first match wins; a timeout of 0 exempts the types it matches. */
  readonly channelTimeout?: readonly { readonly type: string; readonly timeout: number }[];
  /** `TCPKeepAlive`. Default `true`. */
  readonly tcpKeepAlive?: boolean;
}

/**
 * Turns sshd_config values (seconds) into {@linkcode ServerOptions} (milliseconds). Times beyond what a runtime
 * timer can hold (about 24.8 days) are clamped to it.
 *
 * @example
 * ```ts
 * import { optionsFromSshdConfig } from "@tsalive/ssh2-server";
 * optionsFromSshdConfig({ clientAliveInterval: 15, clientAliveCountMax: 3, watchdogTimeout: 60 });
 * // { probe: { interval: 15000, countMax: 3 }, watchdog: { timeout: 60000 }, tcpKeepAlive: true }
 * ```
 */
export function optionsFromSshdConfig(
  config: SshdLivenessConfig,
  extra: Pick<ServerOptions, "killGrace" | "clock" | "timers"> = {},
): ServerOptions {
  const ms = (seconds: number | undefined): number | undefined =>
    seconds === undefined || !(seconds > 0) ? undefined : Math.min(seconds * 1000, MAX_TIMER_DELAY);
  const probe = ms(config.clientAliveInterval);
  const heartbeat = ms(config.heartbeat);
  const watchdog = ms(config.watchdogTimeout);
  const unused = ms(config.unusedConnectionTimeout);
  const channelTimeout: Record<string, number> = {};
  for (const { type, timeout } of config.channelTimeout ?? []) {
    // First match wins: a later entry for the same pattern never applies.
    if (!Object.hasOwn(channelTimeout, type)) channelTimeout[type] = ms(timeout) ?? 0;
  }
  return {
    ...(probe !== undefined && { probe: { interval: probe, countMax: config.clientAliveCountMax ?? 3 } }),
    ...(heartbeat !== undefined && { heartbeat: { interval: heartbeat } }),
    ...(watchdog !== undefined && { watchdog: { timeout: watchdog } }),
    ...(unused !== undefined && { unusedConnectionTimeout: unused }),
    ...(Object.keys(channelTimeout).length > 0 && { channelTimeout }),
    tcpKeepAlive: config.tcpKeepAlive ?? true,
    ...extra,
  };
}

/**
 * The connection as `@tsalive/config`'s `resolveServerConfig({ connection })` takes it for `Match` (sshd's `-C
 * user=…,addr=…,laddr=…,lport=…`), from what the per-connection options function receives. Before authentication
 * `user` is unknown, so `Match User` and `Match Group` blocks do not apply yet, as in sshd's pre-auth pass.
 *
 * @example
 * ```ts
 * import { sshdMatchConnection } from "@tsalive/ssh2-server";
 * sshdMatchConnection({ user: "me", addr: "10.1.2.3", port: 50000, laddr: "10.0.0.1", lport: 22 });
 * // { user: "me", host: "10.1.2.3", address: "10.1.2.3", localAddress: "10.0.0.1", localPort: 22 }
 * ```
 */
export function sshdMatchConnection(info: ConnectionInfo): {
  readonly user?: string;
  readonly host: string;
  readonly address: string;
  readonly localAddress: string;
  readonly localPort: number;
} {
  return {
    ...(info.user !== undefined && { user: info.user }),
    // sshd matches Host against the address unless UseDNS yes.
    host: info.addr,
    address: info.addr,
    localAddress: info.laddr,
    localPort: info.lport,
  };
}
