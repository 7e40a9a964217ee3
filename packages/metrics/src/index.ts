/**
 * OpenTelemetry metrics for tsalive's ssh2 adapters (server and client), and a typed live dump of every connection.
 *
 * @module
 */

export {
  type ClientCloseEvents,
  type ClientMetrics,
  type ClientMetricsOptions,
  instrumentClient,
} from "./client_metrics.ts";
export { type CloseReason, closeReasonOf } from "./close_reason.ts";
export { type ConnectionDump, type ConnectionTracker, trackConnections } from "./connection_dump.ts";
export { CLIENT_METRICS, CLOSE_REASON, SERVER_METRICS } from "./names.ts";
export { instrumentServer, type ServerMetrics, type ServerMetricsOptions } from "./server_metrics.ts";
