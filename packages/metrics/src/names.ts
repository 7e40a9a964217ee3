/**
 * The instruments' names, after OpenTelemetry's semantic conventions for connection metrics (`kestrel.*`,
 * `signalr.server.*`): `{namespace}.{side}.{thing}`, durations in `s`, counts with a `{unit}` annotation.
 * OpenTelemetry's Prometheus exporter turns them into `ssh_server_active_connections`,
 * `ssh_server_probes_sent_total`, `ssh_server_probe_rtt_bucket`, and so on.
 *
 * @example
 * ```ts
 * import { SERVER_METRICS } from "@tsalive/metrics";
 * SERVER_METRICS.activeConnections; // "ssh.server.active_connections"
 * ```
 */
export const SERVER_METRICS: {
  readonly activeConnections: "ssh.server.active_connections";
  readonly connectionDuration: "ssh.server.connection.duration";
  readonly probesSent: "ssh.server.probes.sent";
  readonly probesUnanswered: "ssh.server.probes.unanswered";
  readonly probeRtt: "ssh.server.probe.rtt";
  readonly heartbeatsSent: "ssh.server.heartbeats.sent";
  readonly watchdogStoppedProcesses: "ssh.server.watchdog.stopped_processes";
} = {
  activeConnections: "ssh.server.active_connections",
  connectionDuration: "ssh.server.connection.duration",
  probesSent: "ssh.server.probes.sent",
  probesUnanswered: "ssh.server.probes.unanswered",
  probeRtt: "ssh.server.probe.rtt",
  heartbeatsSent: "ssh.server.heartbeats.sent",
  watchdogStoppedProcesses: "ssh.server.watchdog.stopped_processes",
};

/** The attribute that says why a connection ended; its values are the `CloseReason` union. */
export const CLOSE_REASON: "close.reason" = "close.reason";
