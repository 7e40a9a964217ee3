/**
 * OpenTelemetry metrics for tsalive's ssh2 adapters, and a typed live dump of every connection.
 *
 * @module
 */

export { type CloseReason, closeReasonOf } from "./close_reason.ts";
export { type ConnectionDump, type ConnectionTracker, trackConnections } from "./connection_dump.ts";
export { CLOSE_REASON, SERVER_METRICS } from "./names.ts";
export { instrumentServer, type ServerMetrics, type ServerMetricsOptions } from "./server_metrics.ts";
