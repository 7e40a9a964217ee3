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

/**
 * The client's instruments, named as the server's with `ssh.client`: the Prometheus exporter gives
 * `ssh_client_active_connections`, `ssh_client_probes_sent_total`, `ssh_client_probe_rtt_bucket`, ….
 *
 * @example
 * ```ts
 * import { CLIENT_METRICS } from "@tsalive/metrics";
 * CLIENT_METRICS.probeRtt; // "ssh.client.probe.rtt"
 * ```
 */
export const CLIENT_METRICS: {
  readonly activeConnections: "ssh.client.active_connections";
  readonly connectionDuration: "ssh.client.connection.duration";
  readonly probesSent: "ssh.client.probes.sent";
  readonly probesUnanswered: "ssh.client.probes.unanswered";
  readonly probeRtt: "ssh.client.probe.rtt";
  readonly heartbeatsSent: "ssh.client.heartbeats.sent";
} = {
  activeConnections: "ssh.client.active_connections",
  connectionDuration: "ssh.client.connection.duration",
  probesSent: "ssh.client.probes.sent",
  probesUnanswered: "ssh.client.probes.unanswered",
  probeRtt: "ssh.client.probe.rtt",
  heartbeatsSent: "ssh.client.heartbeats.sent",
};

/** The attribute that says why a connection ended; its values are the `CloseReason` union. */
export const CLOSE_REASON: "close.reason" = "close.reason";
