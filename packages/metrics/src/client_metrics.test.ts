import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { createNoopMeter } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { Emitter } from "@tsalive/core";
import { TestClock } from "@tsalive/core/testing";
import { attach, type ClientLivenessEvents, type ClientLivenessStats, ClientTimeoutError } from "@tsalive/ssh2-client";
import ssh2 from "ssh2";
import { instrumentClient } from "./client_metrics.ts";

/** A stand-in for a client handle: its events, and `stats()` for the probes outstanding at the close. */
function fakeLiveness() {
  const events = new Emitter<ClientLivenessEvents>();
  let unansweredProbes = 0;
  const liveness = {
    on: events.on.bind(events),
    stats: () => ({ monitor: { unansweredProbes } }) as unknown as ClientLivenessStats,
  };
  return { events, liveness, outstanding: (count: number) => (unansweredProbes = count) };
}

function setup(attributes?: Record<string, string>) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2 ** 30 });
  const provider = new MeterProvider({ readers: [reader] });
  const fake = fakeLiveness();
  const client = new EventEmitter();
  const clock = new TestClock();
  const recording = instrumentClient(fake.liveness, client, { meter: provider.getMeter("test"), clock, attributes });
  const collect = async () => {
    const { resourceMetrics } = await reader.collect();
    return new Map(
      resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((metric) => [metric.descriptor.name, metric]),
    );
  };
  return { ...fake, client, clock, recording, collect, provider };
}

const durations = (metric: { dataPoints: { attributes: Record<string, unknown>; value: unknown }[] } | undefined) =>
  (metric?.dataPoints ?? []).map((point) => ({
    reason: point.attributes["close.reason"],
    sum: (point.value as { sum: number }).sum,
    count: (point.value as { count: number }).count,
  }));

test("client: active connections, probes, RTT in s, heartbeats, and the duration by close.reason", async () => {
  const { events, client, clock, recording, collect, outstanding } = setup();
  events.emit("connection", undefined);
  let byName = await collect();
  assert.equal(byName.get("ssh.client.active_connections")?.descriptor.unit, "{connection}");
  assert.equal(byName.get("ssh.client.active_connections")?.dataPoints[0]?.value, 1);
  clock.advance(2000);
  events.emit("probe", { unanswered: 1 });
  events.emit("reply", { rtt: 4 });
  events.emit("heartbeat", undefined);
  for (const unanswered of [1, 2, 3]) events.emit("probe", { unanswered });
  events.emit("timeout", new ClientTimeoutError("ALIVE_TIMEOUT", "example.com"));
  outstanding(3);
  client.emit("close");
  // The same Client reconnects; the application closes this one itself.
  outstanding(0);
  events.emit("connection", undefined);
  clock.advance(500);
  recording.closing();
  client.emit("close");
  // And a third the server closes.
  events.emit("connection", undefined);
  clock.advance(250);
  client.emit("close");
  client.emit("close");
  byName = await collect();
  assert.equal(byName.get("ssh.client.active_connections")?.dataPoints[0]?.value, 0);
  assert.equal(byName.get("ssh.client.probes.sent")?.dataPoints[0]?.value, 4);
  // Probes 1 and 2 of the second silence went unanswered when 2 and 3 went out, probe 3 at the close.
  assert.equal(byName.get("ssh.client.probes.unanswered")?.dataPoints[0]?.value, 3);
  assert.equal(byName.get("ssh.client.heartbeats.sent")?.dataPoints[0]?.value, 1);
  const rtt = byName.get("ssh.client.probe.rtt");
  assert.equal(rtt?.descriptor.unit, "s");
  assert.deepEqual(durations(rtt), [{ reason: undefined, sum: 0.004, count: 1 }]);
  assert.equal(byName.get("ssh.client.connection.duration")?.descriptor.unit, "s");
  assert.deepEqual(durations(byName.get("ssh.client.connection.duration")), [
    { reason: "liveness_timeout", sum: 2, count: 1 },
    { reason: "local_close", sum: 0.5, count: 1 },
    { reason: "peer_close", sum: 0.25, count: 1 },
  ]);
});

test("client: a close before any authentication records nothing; attributes go on every instrument", async () => {
  const { events, client, clock, collect } = setup({ "server.address": "bastion" });
  client.emit("close");
  events.emit("timeout", new ClientTimeoutError("CONNECT_TIMEOUT", "bastion", { phase: "tcp" }));
  assert.deepEqual(durations((await collect()).get("ssh.client.connection.duration")), []);
  events.emit("connection", undefined);
  clock.advance(1000);
  client.emit("close");
  const duration = (await collect()).get("ssh.client.connection.duration");
  assert.deepEqual(duration?.dataPoints[0]?.attributes, { "server.address": "bastion", "close.reason": "peer_close" });
});

test("client: several clients on one meter add up", async () => {
  const { events, collect, provider } = setup();
  const other = fakeLiveness();
  instrumentClient(other.liveness, new EventEmitter(), { meter: provider.getMeter("test") });
  events.emit("connection", undefined);
  other.events.emit("connection", undefined);
  assert.equal((await collect()).get("ssh.client.active_connections")?.dataPoints[0]?.value, 2);
});

test("client: with the no-op meter nothing is subscribed, on the handle or the Client; stop() unsubscribes", () => {
  const client = new ssh2.Client();
  const liveness = attach(client, { probe: { interval: 15_000 } });
  const closeListeners = client.listenerCount("close");
  const noop = instrumentClient(liveness, client, { meter: createNoopMeter() });
  // The global API with no SDK registered hands out the same no-op meter.
  instrumentClient(liveness, client);
  assert.equal(liveness.listenerCount(), 0);
  assert.equal(client.listenerCount("close"), closeListeners);
  noop.stop();
  const { provider } = setup();
  const recording = instrumentClient(liveness, client, { meter: provider.getMeter("test") });
  assert.ok(liveness.listenerCount() > 0);
  recording.stop();
  assert.equal(liveness.listenerCount(), 0);
  assert.equal(client.listenerCount("close"), closeListeners);
  liveness.detach();
});
