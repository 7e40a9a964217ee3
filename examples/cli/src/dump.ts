import { type Clock, type MonitorStats, systemClock } from "@tsalive/core";

/** The client's connection as the SIGUSR1 dump reports it, from the adapter's public `stats()`. */
export interface ClientDump {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  /** The liveness monitor's state; `undefined` before the first authentication. */
  readonly state: MonitorStats["state"] | undefined;
  /** Milliseconds since the last packet from the server. */
  readonly lastInboundAge: number | undefined;
  /** Probes sent since the last inbound packet (the count compared with `ServerAliveCountMax`). */
  readonly unansweredProbes: number;
  /** Round-trip time of the last answered probe, in ms. */
  readonly lastRtt: number | undefined;
  readonly probesSent: number;
  readonly heartbeatsSent: number;
}

/**
 * Describes the client's connection from `liveness.stats()`; `clock` must be the adapter's (by default both read
 * `performance.now()`).
 *
 * @example
 * ```ts
 * import { dumpClient } from "./dump.ts";
 * dumpClient({ user: "root", host: "example.org", port: 22 }, { monitor: undefined }).state; // undefined
 * ```
 */
export function dumpClient(
  target: { readonly user: string; readonly host: string; readonly port: number },
  stats: { readonly monitor: MonitorStats | undefined },
  clock: Clock = systemClock,
): ClientDump {
  const monitor = stats.monitor;
  return {
    ...target,
    state: monitor?.state,
    lastInboundAge: monitor === undefined ? undefined : clock.now() - monitor.lastInboundAt,
    unansweredProbes: monitor?.unansweredProbes ?? 0,
    lastRtt: monitor?.rtt?.last,
    probesSent: monitor?.probesSent ?? 0,
    heartbeatsSent: monitor?.heartbeatsSent ?? 0,
  };
}

/**
 * The SIGUSR1 line, in the spirit of OpenSSH 10.1's SIGINFO dump.
 *
 * @example
 * ```ts
 * import { formatClientDump } from "./dump.ts";
 * formatClientDump({
 *   user: "root", host: "example.org", port: 22, state: "running", lastInboundAge: 400, unansweredProbes: 0,
 *   lastRtt: 0.3, probesSent: 2, heartbeatsSent: 0,
 * });
 * // "connection to root@example.org port 22: running, last inbound 0.4 s ago, 0 unanswered probes, last rtt 0.3 ms, 2 probes sent, 0 heartbeats sent"
 * ```
 */
export function formatClientDump(dump: ClientDump): string {
  const parts = [
    dump.state ?? "not authenticated",
    ...(dump.lastInboundAge === undefined ? [] : [`last inbound ${(dump.lastInboundAge / 1000).toFixed(1)} s ago`]),
    `${dump.unansweredProbes} unanswered probe${dump.unansweredProbes === 1 ? "" : "s"}`,
    dump.lastRtt === undefined ? "no rtt yet" : `last rtt ${dump.lastRtt.toFixed(1)} ms`,
    `${dump.probesSent} probe${dump.probesSent === 1 ? "" : "s"} sent`,
    `${dump.heartbeatsSent} heartbeat${dump.heartbeatsSent === 1 ? "" : "s"} sent`,
  ];
  return `connection to ${dump.user}@${dump.host} port ${dump.port}: ${parts.join(", ")}`;
}
