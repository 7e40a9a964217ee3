import assert from "node:assert/strict";
import { test } from "node:test";
import { createNoopMeter } from "@opentelemetry/api";
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { Emitter } from "@tsalive/core";
import { TestClock } from "@tsalive/core/testing";
import {
  type ConnectionInfo,
  type ConnectionLiveness,
  type ConnectionLivenessStats,
  type ServerLivenessEvents,
  ServerTimeoutError,
} from "@tsalive/ssh2-server";
import { instrumentServer } from "./server_metrics.ts";

const INFO: ConnectionInfo = { user: undefined, addr: "127.0.0.1", port: 40000, laddr: "127.0.0.1", lport: 22 };

/** A stand-in for a connection handle: only `stats()` is read, for the probes outstanding at the close. */
function fakeConnection(unansweredProbes = 0): ConnectionLiveness {
  const stats = { monitor: { unansweredProbes } } as unknown as ConnectionLivenessStats;
  return { stats: () => stats } as unknown as ConnectionLiveness;
}

function setup(attributes?: (info: ConnectionInfo) => Record<string, string>) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2 ** 30 });
  const provider = new MeterProvider({ readers: [reader] });
  const events = new Emitter<ServerLivenessEvents>();
  const clock = new TestClock();
  const recording = instrumentServer(events, { meter: provider.getMeter("test"), clock, attributes });
  const collect = async () => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  return { events, clock, recording, collect, provider };
}

test("counts connections from the accept to the close, and their duration by close.reason", async () => {
  const { events, clock, collect } = setup();
  const dead = fakeConnection(3);
  const gone = fakeConnection();
  events.emit("accept", dead);
  events.emit("accept", gone);
  clock.advance(1500);
  for (const unanswered of [1, 2, 3])
    events.emit("probe", { connection: dead, payload: { unanswered, via: "global" } });
  events.emit("timeout", { connection: dead, payload: new ServerTimeoutError("ALIVE_TIMEOUT", INFO) });
  events.emit("close", { connection: dead, payload: { stopped: [] } });
  clock.advance(500);
  events.emit("close", { connection: gone, payload: { stopped: [] } });
  const byName = new Map((await collect()).map((metric) => [metric.descriptor.name, metric]));

  const active = byName.get("ssh.server.active_connections");
  assert.equal(active?.descriptor.unit, "{connection}");
  assert.equal(active?.dataPoints[0]?.value, 0);
  assert.equal(byName.get("ssh.server.probes.sent")?.dataPoints[0]?.value, 3);
  // Probes 1 and 2 went unanswered when 2 and 3 went out; probe 3 when the connection died with it outstanding.
  assert.equal(byName.get("ssh.server.probes.unanswered")?.dataPoints[0]?.value, 3);
  const duration = byName.get("ssh.server.connection.duration");
  assert.equal(duration?.descriptor.unit, "s");
  assert.equal(duration?.dataPointType, DataPointType.HISTOGRAM);
  const points = (duration?.dataPoints ?? []).map((point) => ({
    reason: point.attributes["close.reason"],
    sum: (point.value as { sum: number }).sum,
  }));
  assert.deepEqual(points, [
    { reason: "liveness_timeout", sum: 1.5 },
    { reason: "peer_close", sum: 2 },
  ]);
});

test("records probe RTT in seconds, heartbeats, and the processes the watchdog stopped", async () => {
  const { events, collect } = setup();
  const connection = fakeConnection();
  events.emit("accept", connection);
  events.emit("probe", { connection, payload: { unanswered: 1, via: "channel" } });
  events.emit("reply", { connection, payload: { rtt: 4 } });
  events.emit("heartbeat", { connection, payload: undefined });
  events.emit("heartbeat", { connection, payload: undefined });
  const error = new ServerTimeoutError("WATCHDOG_EXPIRED", INFO);
  events.emit("timeout", { connection, payload: error });
  const stopped = [
    { pid: 10, command: "bash", signal: "SIGHUP" },
    { pid: 11, command: "sleep 600", signal: "SIGKILL" },
  ] as const;
  events.emit("watchdog", { connection, payload: { error, stopped } });
  events.emit("close", { connection, payload: { stopped } });
  const byName = new Map((await collect()).map((metric) => [metric.descriptor.name, metric]));
  const rtt = byName.get("ssh.server.probe.rtt")?.dataPoints[0]?.value as { sum: number; count: number };
  assert.deepEqual([rtt.count, rtt.sum], [1, 0.004]);
  assert.equal(byName.get("ssh.server.probes.unanswered")?.dataPoints[0]?.value, 0);
  assert.equal(byName.get("ssh.server.heartbeats.sent")?.dataPoints[0]?.value, 2);
  assert.equal(byName.get("ssh.server.watchdog.stopped_processes")?.dataPoints[0]?.value, 2);
  const reason = byName.get("ssh.server.connection.duration")?.dataPoints[0]?.attributes["close.reason"];
  assert.equal(reason, "watchdog");
});

test("a timeout beats a later local close; a channel timeout, an unused timeout and a local close are named", async () => {
  const { events, recording, collect } = setup();
  const [unused, channel, local, timedOut] = [fakeConnection(), fakeConnection(), fakeConnection(), fakeConnection()];
  for (const connection of [unused, channel, local, timedOut]) events.emit("accept", connection);
  events.emit("timeout", { connection: unused, payload: new ServerTimeoutError("UNUSED_CONNECTION_TIMEOUT", INFO) });
  events.emit("channel-timeout", { connection: channel, payload: { channel: 0, label: "session:shell" } });
  recording.closing(local);
  events.emit("timeout", { connection: timedOut, payload: new ServerTimeoutError("REPLY_TIMEOUT", INFO) });
  recording.closing(timedOut);
  for (const connection of [unused, channel, local, timedOut])
    events.emit("close", { connection, payload: { stopped: [] } });
  const duration = (await collect()).find((metric) => metric.descriptor.name === "ssh.server.connection.duration");
  const reasons = (duration?.dataPoints ?? []).map((point) => point.attributes["close.reason"]).sort();
  assert.deepEqual(reasons, ["channel_timeout", "liveness_timeout", "local_close", "unused_connection_timeout"]);
});

test("opt-in attributes are taken at authentication and put on the per-connection instruments only", async () => {
  const { events, collect } = setup((info) => ({ "user.name": info.user ?? "" }));
  const connection = fakeConnection();
  events.emit("accept", connection);
  events.emit("authenticated", { connection, payload: { ...INFO, user: "root" } });
  events.emit("probe", { connection, payload: { unanswered: 1, via: "global" } });
  events.emit("close", { connection, payload: { stopped: [] } });
  const byName = new Map((await collect()).map((metric) => [metric.descriptor.name, metric]));
  assert.deepEqual(byName.get("ssh.server.probes.sent")?.dataPoints[0]?.attributes, { "user.name": "root" });
  assert.deepEqual(byName.get("ssh.server.active_connections")?.dataPoints[0]?.attributes, {});
  assert.deepEqual(byName.get("ssh.server.connection.duration")?.dataPoints[0]?.attributes, {
    "user.name": "root",
    "close.reason": "peer_close",
  });
});

test("with the no-op meter nothing is subscribed, so idle connections pay nothing; stop() unsubscribes", () => {
  const events = new Emitter<ServerLivenessEvents>();
  const noop = instrumentServer(events, { meter: createNoopMeter() });
  assert.equal(events.listenerCount(), 0);
  // The global API with no SDK registered hands out the same no-op meter.
  instrumentServer(events);
  assert.equal(events.listenerCount(), 0);
  noop.stop();
  const { events: live, recording } = setup();
  assert.ok(live.listenerCount() > 0);
  recording.stop();
  assert.equal(live.listenerCount(), 0);
});

test("several server handles on one meter add up (observable instruments are registered once per meter)", async () => {
  const { events, collect, provider } = setup();
  const other = new Emitter<ServerLivenessEvents>();
  instrumentServer(other, { meter: provider.getMeter("test") });
  events.emit("accept", fakeConnection());
  other.emit("accept", fakeConnection());
  other.emit("probe", { connection: fakeConnection(), payload: { unanswered: 1, via: "global" } });
  events.emit("probe", { connection: fakeConnection(), payload: { unanswered: 1, via: "global" } });
  const byName = new Map((await collect()).map((metric) => [metric.descriptor.name, metric]));
  assert.equal(byName.get("ssh.server.active_connections")?.dataPoints[0]?.value, 2);
  assert.equal(byName.get("ssh.server.probes.sent")?.dataPoints[0]?.value, 2);
});
