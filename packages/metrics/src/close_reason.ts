import type { ServerTimeoutCode } from "@tsalive/ssh2-server";

/**
 * Why a connection ended, the `close.reason` attribute of `ssh.server.connection.duration`: a closed set, so the
 * attribute never adds more than these seven series.
 *
 * - `liveness_timeout`: ClientAlive gave up (`ClientAliveCountMax` probes unanswered, or the reply timeout).
 * - `watchdog`: nothing arrived for `WatchdogTimeout`; the session's processes were stopped first.
 * - `unused_connection_timeout`: no channel was open for `UnusedConnectionTimeout`.
 * - `channel_timeout`: `ChannelTimeout` closed a channel and the connection ended after it.
 * - `idle`: core's idle timeout ended it (no adapter option sets one today; kept so dashboards need no migration).
 * - `peer_close`: the client closed it, or the network did.
 * - `local_close`: the application closed it and said so with {@linkcode ServerMetrics.closing}.
 */
export type CloseReason =
  | "liveness_timeout"
  | "watchdog"
  | "unused_connection_timeout"
  | "channel_timeout"
  | "idle"
  | "peer_close"
  | "local_close";

/**
 * The close reason of a server timeout code.
 *
 * @example
 * ```ts
 * import { closeReasonOf } from "@tsalive/metrics";
 * closeReasonOf("WATCHDOG_EXPIRED"); // "watchdog"
 * ```
 */
export function closeReasonOf(code: ServerTimeoutCode | "IDLE_TIMEOUT"): CloseReason {
  switch (code) {
    case "ALIVE_TIMEOUT":
    case "REPLY_TIMEOUT":
      return "liveness_timeout";
    case "WATCHDOG_EXPIRED":
      return "watchdog";
    case "UNUSED_CONNECTION_TIMEOUT":
      return "unused_connection_timeout";
    case "IDLE_TIMEOUT":
      return "idle";
  }
}
