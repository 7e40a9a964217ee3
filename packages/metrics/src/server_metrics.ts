import { type Attributes, createNoopMeter, type Meter, metrics } from "@opentelemetry/api";
import { type Clock, systemClock } from "@tsalive/core";
import type { ConnectionInfo, ConnectionLiveness, ServerLiveness } from "@tsalive/ssh2-server";
import { DURATION_BUCKETS, RTT_BUCKETS } from "./_buckets.ts";
import { type CloseReason, closeReasonOf } from "./close_reason.ts";
import { CLOSE_REASON, SERVER_METRICS } from "./names.ts";

/** Options of {@linkcode instrumentServer}. */
export interface ServerMetricsOptions {
  /** The meter to record on; by default `metrics.getMeter("@tsalive/metrics")` of the global provider. */
  readonly meter?: Meter | undefined;
  /** Monotonic clock for connection durations, in ms (a `TestClock` in tests); default `performance.now()`. */
  readonly clock?: Clock | undefined;
  /**
   * Opt-in attributes per connection, evaluated once when it authenticates (so `info.user` is known) and put on
   * every per-connection instrument from then on (not on `ssh.server.active_connections`, which counts from the
   * accept). Each distinct set is one more time series in each instrument, kept by the SDK until restart: user
   * names or addresses multiply the series by the number of users or clients. Leave it out for bounded
   * cardinality.
   */
  readonly attributes?: ((info: ConnectionInfo) => Attributes) | undefined;
}

/** The handle {@linkcode instrumentServer} returns. */
export interface ServerMetrics {
  /**
   * Says the application itself is closing this connection, so its duration is recorded with
   * `close.reason=local_close` instead of `peer_close` (unless a tsalive timeout ended it first).
   */
  closing(connection: ConnectionLiveness): void;
  /** Unsubscribes from the server handle; connections open now are no longer recorded. */
  stop(): void;
}

const NOOP_METER = createNoopMeter();

/**
 * The plain-number counts behind a meter's observable instruments, shared by every `instrumentServer()` on that
 * meter (one per listener in tsalive-sshd): an observable instrument registered twice under one name reports only
 * its last callback's value, so the callbacks are registered once and read the totals.
 */
interface Totals {
  open: number;
  probesSent: number;
  probesUnanswered: number;
  heartbeats: number;
  /** Whether the probe and heartbeat counters are registered as observable ones on this meter yet. */
  countersObserved: boolean;
}

const totalsByMeter = new WeakMap<Meter, Totals>();

/**
 * Reports a server handle's events through the OpenTelemetry metrics API: active connections, probes sent and
 * unanswered, probe RTT, connection duration by `close.reason`, heartbeats sent, and processes the watchdog
 * stopped (names in {@linkcode SERVER_METRICS}). With no SDK registered the API's meter is the no-op one: then
 * nothing is subscribed at all and the adapter runs exactly as without metrics. Register the SDK's meter provider
 * before calling this (a meter taken from the API before that stays a no-op one).
 *
 * A probe counts as unanswered when the next probe of the same silence goes out, or when the connection ends
 * with it outstanding. Several handles may report on one meter (one per listener): the counts add up. Give them
 * all the same `attributes` option.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `server` is your ssh2 Server.
 * import type { Server } from "ssh2";
 * import { attach } from "@tsalive/ssh2-server";
 * import { instrumentServer } from "@tsalive/metrics";
 * declare const server: Server;
 * const liveness = attach(server, { probe: { interval: 15_000, countMax: 3 } });
 * const recording = instrumentServer(liveness);
 * recording.stop();
 * ```
 */
export function instrumentServer(
  liveness: Pick<ServerLiveness, "on">,
  options: ServerMetricsOptions = {},
): ServerMetrics {
  const meter = options.meter ?? metrics.getMeter("@tsalive/metrics");
  if (meter === NOOP_METER) return { closing: () => {}, stop: () => {} };
  const clock = options.clock ?? systemClock;
  const attributesOf = options.attributes;
  // Counts are plain numbers read at collection time (observable instruments), so an event costs an increment;
  // with opt-in attributes each connection's set is one more series, so those go through synchronous counters.
  const known = totalsByMeter.get(meter);
  const counts: Totals = known ?? {
    open: 0,
    probesSent: 0,
    probesUnanswered: 0,
    heartbeats: 0,
    countersObserved: false,
  };
  const open = new Map<ConnectionLiveness, number>();
  const ends = new Map<ConnectionLiveness, CloseReason>();
  const attributes = new Map<ConnectionLiveness, Attributes>();
  if (known === undefined) {
    totalsByMeter.set(meter, counts);
    meter
      .createObservableUpDownCounter(SERVER_METRICS.activeConnections, {
        description: "Connections open now, from the accept to the close.",
        unit: "{connection}",
      })
      .addCallback((result) => result.observe(counts.open));
  }
  const duration = meter.createHistogram(SERVER_METRICS.connectionDuration, {
    description: "How long connections lasted, from the accept to the close, by close.reason.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
  });
  const counter = (name: string, description: string, unit: string, read: () => number) => {
    if (attributesOf !== undefined) return meter.createCounter(name, { description, unit });
    if (!counts.countersObserved) {
      meter.createObservableCounter(name, { description, unit }).addCallback((result) => result.observe(read()));
    }
    return undefined;
  };
  const probesSent = counter(
    SERVER_METRICS.probesSent,
    "ClientAlive probes (keepalive@openssh.com) sent.",
    "{probe}",
    () => counts.probesSent,
  );
  const probesUnanswered = counter(
    SERVER_METRICS.probesUnanswered,
    "Probes with no reply before the next probe of the same silence, or before the connection ended.",
    "{probe}",
    () => counts.probesUnanswered,
  );
  const heartbeats = counter(
    SERVER_METRICS.heartbeatsSent,
    "SSH_MSG_IGNORE heartbeats sent.",
    "{message}",
    () => counts.heartbeats,
  );
  if (attributesOf === undefined) counts.countersObserved = true;
  const rtt = meter.createHistogram(SERVER_METRICS.probeRtt, {
    description: "Round-trip time of answered probes.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...RTT_BUCKETS] },
  });
  const stopped = meter.createCounter(SERVER_METRICS.watchdogStoppedProcesses, {
    description: "Session processes stopped by the watchdog.",
    unit: "{process}",
  });
  const unanswered = (connection: ConnectionLiveness): void => {
    if (probesUnanswered === undefined) counts.probesUnanswered++;
    else probesUnanswered.add(1, attributes.get(connection));
  };
  const end = (connection: ConnectionLiveness, reason: CloseReason): void => {
    if (open.has(connection) && !ends.has(connection)) ends.set(connection, reason);
  };

  const undo = [
    // Whole milliseconds: a small integer needs no heap box, and a duration needs no finer grain.
    liveness.on("accept", (connection) => {
      if (!open.has(connection)) counts.open++;
      open.set(connection, Math.round(clock.now()));
    }),
    liveness.on("authenticated", ({ connection, payload }) => {
      if (attributesOf !== undefined && open.has(connection)) attributes.set(connection, attributesOf(payload));
    }),
    liveness.on("probe", ({ connection, payload }) => {
      if (probesSent === undefined) counts.probesSent++;
      else probesSent.add(1, attributes.get(connection));
      if (payload.unanswered > 1) unanswered(connection);
    }),
    liveness.on("reply", ({ connection, payload }) => {
      if (payload.rtt !== undefined) rtt.record(payload.rtt / 1000, attributes.get(connection));
    }),
    liveness.on("heartbeat", ({ connection }) => {
      if (heartbeats === undefined) counts.heartbeats++;
      else heartbeats.add(1, attributes.get(connection));
    }),
    liveness.on("timeout", ({ connection, payload }) => end(connection, closeReasonOf(payload.code))),
    liveness.on("channel-timeout", ({ connection }) => end(connection, "channel_timeout")),
    liveness.on("watchdog", ({ connection, payload }) => {
      if (payload.stopped.length > 0) stopped.add(payload.stopped.length, attributes.get(connection));
    }),
    liveness.on("close", ({ connection }) => {
      const start = open.get(connection);
      if (start === undefined) return;
      const reason = ends.get(connection) ?? "peer_close";
      const extra = attributes.get(connection);
      open.delete(connection);
      counts.open--;
      ends.delete(connection);
      attributes.delete(connection);
      if ((connection.stats().monitor?.unansweredProbes ?? 0) > 0) {
        if (probesUnanswered === undefined) counts.probesUnanswered++;
        else probesUnanswered.add(1, extra);
      }
      duration.record((Math.round(clock.now()) - start) / 1000, { ...extra, [CLOSE_REASON]: reason });
    }),
  ];
  return {
    closing: (connection) => end(connection, "local_close"),
    stop: () => {
      for (const off of undo.splice(0)) off();
      counts.open -= open.size;
      open.clear();
      ends.clear();
      attributes.clear();
    },
  };
}
