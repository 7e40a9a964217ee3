import { convtime } from "@tsalive/config";
import type { ServerOptions } from "@tsalive/ssh2-server";
import type { SshdSettings } from "./sshd_config.ts";

/**
 * sshd_config settings → the server adapter's options: ClientAliveInterval/CountMax → `probe` (C = 0 never
 * terminates, as sshd ≥ 8.2), Heartbeat, WatchdogTimeout, UnusedConnectionTimeout, ChannelTimeout (seconds → ms;
 * an interval of 0 disables that entry, as in sshd), TCPKeepAlive.
 *
 * @example
 * ```ts
 * import { defaultSettings } from "./sshd_config.ts";
 * import { toServerOptions } from "./liveness_options.ts";
 * toServerOptions({ ...defaultSettings(), clientAliveInterval: 15 }).probe; // { interval: 15000, countMax: 3 }
 * ```
 */
export function toServerOptions(s: SshdSettings): ServerOptions {
  const channelTimeout: Record<string, number> = {};
  for (const entry of s.channelTimeout ?? []) {
    const eq = entry.indexOf("=");
    const seconds = convtime(entry.slice(eq + 1)) ?? 0;
    if (seconds > 0) channelTimeout[entry.slice(0, eq)] = seconds * 1000;
  }
  return {
    ...(s.clientAliveInterval > 0 && {
      probe: { interval: s.clientAliveInterval * 1000, countMax: s.clientAliveCountMax },
    }),
    ...(s.heartbeat > 0 && { heartbeat: { interval: s.heartbeat * 1000 } }),
    ...(s.watchdogTimeout > 0 && { watchdog: { timeout: s.watchdogTimeout * 1000 } }),
    ...(s.unusedConnectionTimeout !== undefined &&
      s.unusedConnectionTimeout > 0 && { unusedConnectionTimeout: s.unusedConnectionTimeout * 1000 }),
    ...(Object.keys(channelTimeout).length > 0 && { channelTimeout }),
    tcpKeepAlive: s.tcpKeepAlive,
  };
}
