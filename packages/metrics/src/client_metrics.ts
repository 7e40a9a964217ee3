import { type Attributes, createNoopMeter, type Meter, metrics } from "@opentelemetry/api";
import { type Clock, systemClock } from "@tsalive/core";
import type { ClientLiveness } from "@tsalive/ssh2-client";
import { DURATION_BUCKETS, RTT_BUCKETS } from "./_buckets.ts";
import type { CloseReason } from "./close_reason.ts";
import { CLIENT_METRICS, CLOSE_REASON } from "./names.ts";

/** The ssh2 `Client` of the handle (its `'close'` event ends each connection); any emitter of `'close'` will do. */
export interface ClientCloseEvents {
  on(event: "close", listener: () => void): unknown;
  off(event: "close", listener: () => void): unknown;
}

/** Options of {@linkcode instrumentClient}. */
export interface ClientMetricsOptions {
  /** The meter to record on; by default `metrics.getMeter("@tsalive/metrics")` of the global provider. */
  readonly meter?: Meter | undefined;
  /** Monotonic clock for connection durations, in ms (a `TestClock` in tests); default `performance.now()`. */
  readonly clock?: Clock | undefined;
  /**
   * Attributes put on every instrument of this client, e.g. `{ "server.address": "bastion" }`. Each distinct
   * set is one more series per instrument, kept by the SDK until restart: keep the values few.
   */
  readonly attributes?: Attributes | undefined;
}

/** The handle {@linkcode instrumentClient} returns. */
export interface ClientMetrics {
  /**
   * Says the application itself is closing the current connection (`client.end()`), so its duration is recorded
   * with `close.reason=local_close` instead of `peer_close` (unless a ServerAlive timeout ended it first).
   */
  closing(): void;
  /** Unsubscribes from the handle and the client; an open connection is no longer recorded. */
  stop(): void;
}

const NOOP_METER = createNoopMeter();

/**
 * Reports a client handle's events through the OpenTelemetry metrics API, as {@linkcode instrumentServer} does
 * for a server (names in {@linkcode CLIENT_METRICS}): `ssh.client.active_connections`, probes sent and
 * unanswered, probe RTT in `s`, connection duration in `s` by `close.reason` (from the authentication to the
 * client's `'close'`), heartbeats sent. A connection that never authenticated (a ConnectTimeout) is not recorded.
 * With no SDK registered nothing is subscribed at all. The instruments are synchronous ones, so several clients
 * (the hops of a chain) on one meter add up.
 *
 * `close.reason` is `liveness_timeout` (ServerAlive gave up), `local_close` (after {@linkcode ClientMetrics.closing})
 * or `peer_close`; the client adapter has no idle timeout, so `idle` never occurs.
 *
 * @example
 * ```ts no-run
 * // no-run: connects to a real server.
 * import ssh2 from "ssh2";
 * import { attach } from "@tsalive/ssh2-client";
 * import { instrumentClient } from "@tsalive/metrics";
 * const client = new ssh2.Client();
 * const recording = instrumentClient(attach(client, { probe: { interval: 15_000 } }), client);
 * client.connect({ host: "example.com", username: "me", agent: process.env.SSH_AUTH_SOCK ?? "" });
 * process.once("SIGINT", () => {
 *   recording.closing();
 *   client.end();
 * });
 * ```
 */
export function instrumentClient(
  liveness: Pick<ClientLiveness, "on" | "stats">,
  client: ClientCloseEvents,
  options: ClientMetricsOptions = {},
): ClientMetrics {
  const meter = options.meter ?? metrics.getMeter("@tsalive/metrics");
  if (meter === NOOP_METER) return { closing: () => {}, stop: () => {} };
  const clock = options.clock ?? systemClock;
  const extra = options.attributes;
  const active = meter.createUpDownCounter(CLIENT_METRICS.activeConnections, {
    description: "Connections open now, from the authentication to the close.",
    unit: "{connection}",
  });
  const duration = meter.createHistogram(CLIENT_METRICS.connectionDuration, {
    description: "How long connections lasted, from the authentication to the close, by close.reason.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
  });
  const probesSent = meter.createCounter(CLIENT_METRICS.probesSent, {
    description: "ServerAlive probes (keepalive@openssh.com) sent.",
    unit: "{probe}",
  });
  const probesUnanswered = meter.createCounter(CLIENT_METRICS.probesUnanswered, {
    description: "Probes with no reply before the next probe of the same silence, or before the connection ended.",
    unit: "{probe}",
  });
  const rtt = meter.createHistogram(CLIENT_METRICS.probeRtt, {
    description: "Round-trip time of answered probes.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...RTT_BUCKETS] },
  });
  const heartbeats = meter.createCounter(CLIENT_METRICS.heartbeatsSent, {
    description: "SSH_MSG_IGNORE heartbeats sent.",
    unit: "{message}",
  });
  /** The current connection's authentication time (whole ms), `undefined` while none is up. */
  let start: number | undefined;
  let reason: CloseReason | undefined;
  const end = (): void => {
    if (start === undefined) return;
    if ((liveness.stats().monitor?.unansweredProbes ?? 0) > 0) probesUnanswered.add(1, extra);
    active.add(-1, extra);
    duration.record((Math.round(clock.now()) - start) / 1000, { ...extra, [CLOSE_REASON]: reason ?? "peer_close" });
    start = undefined;
    reason = undefined;
  };
  const onClose = (): void => end();
  client.on("close", onClose);
  const undo = [
    () => client.off("close", onClose),
    liveness.on("connection", () => {
      end();
      start = Math.round(clock.now());
      active.add(1, extra);
    }),
    liveness.on("probe", ({ unanswered }) => {
      probesSent.add(1, extra);
      if (unanswered > 1) probesUnanswered.add(1, extra);
    }),
    liveness.on("reply", ({ rtt: ms }) => {
      if (ms !== undefined) rtt.record(ms / 1000, extra);
    }),
    liveness.on("heartbeat", () => heartbeats.add(1, extra)),
    liveness.on("timeout", () => {
      if (start !== undefined) reason ??= "liveness_timeout";
    }),
  ];
  return {
    closing: () => {
      if (start !== undefined) reason ??= "local_close";
    },
    stop: () => {
      for (const off of undo.splice(0)) off();
      if (start !== undefined) active.add(-1, extra);
      start = undefined;
    },
  };
}
