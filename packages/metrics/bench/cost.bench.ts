/**
 * What metrics cost, on against off, measured in one run. Run: `pnpm --filter @tsalive/metrics bench`.
 *
 * - Memory at 10,000 idle connections: the same 10,000 connection handles accepted through a server handle's
 *   events with `instrumentServer` on a real SDK meter provider and without it; the difference per connection is
 *   what the metrics keep (ssh2's own cost is the same on both sides, so stand-in handles isolate it).
 * - The metrics' own listeners: one probe round (probe and reply events) over 10,000 connections, with a real
 *   SDK, and with no SDK registered (the API's no-op meter: nothing is subscribed).
 * - CPU of idle connections: real ssh2 connections over loopback (both ends in this process), idle, probed by
 *   ClientAlive. An idle connection costs one probe round per interval, so the ratio depends on the probe rate,
 *   not on the count: 200 connections probed every 200 ms are 1,000 rounds/s, the rate of 10,000 idle connections
 *   at ClientAliveInterval 10. Metrics are switched on and off on the same connections in alternating windows, so
 *   load from elsewhere falls on both sides alike. The ratio is over both ends' CPU (the clients run here too).
 */
import type { AddressInfo } from "node:net";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { Emitter } from "@tsalive/core";
import {
  attach,
  type ConnectionLiveness,
  type ConnectionLivenessStats,
  type ServerLivenessEvents,
  SSH2_KEEPALIVE_OFF,
} from "@tsalive/ssh2-server";
import { generateKey, makeTempDir } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { instrumentServer } from "../src/index.ts";

const IDLE = 10_000;
const REAL = Number(process.env.TSALIVE_BENCH_CONNECTIONS ?? 200);
const INTERVAL = 200;
const WINDOW = 2000;
const WINDOWS = 4;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

/** A reader that is never asked: the SDK aggregates every measurement, as with any exporter between scrapes. */
class IdleReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function heap(): number {
  for (let i = 0; i < 4; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

const STATS = { monitor: { unansweredProbes: 0 } } as unknown as ConnectionLivenessStats;

function heapPerConnection(on: boolean): number {
  const events = new Emitter<ServerLivenessEvents>();
  const provider = new MeterProvider({ readers: [new IdleReader()] });
  const recording = on ? instrumentServer(events, { meter: provider.getMeter("bench") }) : undefined;
  const handles = Array.from({ length: IDLE }, () => ({ stats: () => STATS }) as unknown as ConnectionLiveness);
  // One connection through every event first, so each instrument's one series exists before the baseline.
  const warm = { stats: () => STATS } as unknown as ConnectionLiveness;
  events.emit("accept", warm);
  events.emit("probe", { connection: warm, payload: { unanswered: 1, via: "global" } });
  events.emit("reply", { connection: warm, payload: { rtt: 1 } });
  events.emit("heartbeat", { connection: warm, payload: undefined });
  events.emit("close", { connection: warm, payload: { stopped: [] } });
  const before = heap();
  for (const connection of handles) events.emit("accept", connection);
  const perConnection = (heap() - before) / IDLE;
  recording?.stop();
  void provider.shutdown();
  return perConnection;
}

async function cpuRatio(): Promise<{ off: number; on: number; control: number; offRounds: number }> {
  const dir = makeTempDir("tsalive-metrics-bench-");
  const hostKey = generateKey(dir.join("host_key"));
  const clientKey = generateKey(dir.join("client_key"));
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey], ...SSH2_KEEPALIVE_OFF });
  const liveness = attach(server, { probe: { interval: INTERVAL, countMax: 3 }, allowFastIntervals: true });
  let rounds = 0;
  let offRounds = 0;
  liveness.on("reply", () => rounds++);
  server.on("connection", (connection) => {
    connection.on("authentication", (ctx) => ctx.accept());
    connection.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const clients: ssh2.Client[] = [];
  const connect = () =>
    new Promise<void>((resolve, reject) => {
      const client = new ssh2.Client();
      client.once("ready", () => resolve());
      client.once("error", reject);
      client.connect({ host: "127.0.0.1", port, username: "bench", privateKey: clientKey.privateKey });
      clients.push(client);
    });
  for (let i = 0; i < REAL; i += 25) await Promise.all(Array.from({ length: Math.min(25, REAL - i) }, connect));
  const provider = new MeterProvider({ readers: [new IdleReader()] });
  const meter = provider.getMeter("bench");
  const window = async (on: boolean): Promise<number> => {
    const recording = on ? instrumentServer(liveness, { meter }) : undefined;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL));
    const start = process.cpuUsage();
    const first = rounds;
    await new Promise((resolve) => setTimeout(resolve, WINDOW));
    const used = process.cpuUsage(start);
    if (!on) offRounds += rounds - first;
    recording?.stop();
    return used.user + used.system;
  };
  await window(false); // warm-up
  const warmRounds = offRounds;
  let off = 0;
  let on = 0;
  // A second "off" series, interleaved the same way: how far two identical sides drift apart here (the noise).
  let control = 0;
  for (let i = 0; i < WINDOWS; i++) {
    off += await window(false);
    on += await window(true);
    control += await window(false);
  }
  for (const client of clients) client.end();
  await new Promise((resolve) => setTimeout(resolve, 300));
  liveness.detach();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await provider.shutdown();
  dir.remove();
  // The warm-up window's rounds are not in `off` or `control`.
  return { off, on, control, offRounds: offRounds - warmRounds };
}

/** CPU µs of one probe round's events (probe, reply) through the metrics' listeners, over 10,000 connections. */
function handlerCost(on: boolean | "no-sdk"): number {
  const events = new Emitter<ServerLivenessEvents>();
  const provider = new MeterProvider({ readers: [new IdleReader()] });
  // "no-sdk": the API's global meter with no provider registered, i.e. the no-op one.
  const meter = on === "no-sdk" ? undefined : provider.getMeter("bench");
  const recording = on === false ? undefined : instrumentServer(events, { meter });
  const handles = Array.from({ length: IDLE }, () => ({ stats: () => STATS }) as unknown as ConnectionLiveness);
  for (const connection of handles) events.emit("accept", connection);
  const ROUNDS = 400_000;
  const start = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) {
    const connection = handles[i % IDLE] as ConnectionLiveness;
    events.emit("probe", { connection, payload: { unanswered: 1, via: "global" } });
    events.emit("reply", { connection, payload: { rtt: 0.4 + (i % 7) / 10 } });
  }
  const used = process.cpuUsage(start);
  recording?.stop();
  void provider.shutdown();
  return (used.user + used.system) / ROUNDS;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
heapPerConnection(false); // warm-up, both ways
heapPerConnection(true);
const offHeaps: number[] = [];
const onHeaps: number[] = [];
for (let i = 0; i < 5; i++) {
  offHeaps.push(heapPerConnection(false));
  onHeaps.push(heapPerConnection(true));
}
const offHeap = median(offHeaps);
const onHeap = median(onHeaps);
handlerCost(true); // warm-up
const handlerOff = (handlerCost(false) + handlerCost(false)) / 2;
const handlerOn = (handlerCost(true) + handlerCost(true)) / 2;
const handlerNoSdk = (handlerCost("no-sdk") + handlerCost("no-sdk")) / 2;
const cpu = await cpuRatio();
const perRound = cpu.off / cpu.offRounds;
const ratio = cpu.on / cpu.off;
console.log(`| measure | metrics off | metrics on | on / off |`);
console.log(`|---|---|---|---|`);
console.log(
  `| heap per connection, ${IDLE} idle connections | ${offHeap.toFixed(0)} B | ${onHeap.toFixed(0)} B | +${(onHeap - offHeap).toFixed(0)} B |`,
);
console.log(
  `| CPU, ${REAL} idle ssh2 connections probed every ${INTERVAL} ms (${((REAL * 1000) / INTERVAL).toFixed(0)} rounds/s), ${WINDOWS}×${WINDOW / 1000} s each | ${(cpu.off / 1000).toFixed(0)} ms | ${(cpu.on / 1000).toFixed(0)} ms | ${((ratio - 1) * 100).toFixed(2)} % |`,
);
console.log(
  `| CPU, the same with metrics off in both series (noise) | ${(cpu.off / 1000).toFixed(0)} ms | ${(cpu.control / 1000).toFixed(0)} ms | ${((cpu.control / cpu.off - 1) * 100).toFixed(2)} % |`,
);
console.log(
  `| CPU per probe round in the listeners: instrumentServer with no SDK registered | ${handlerOff.toFixed(3)} µs | ${handlerNoSdk.toFixed(3)} µs | ${(handlerNoSdk - handlerOff).toFixed(3)} µs |`,
);
console.log(
  `| CPU per probe round: ssh2 + tsalive (both ends) vs the metrics' listeners alone | ${perRound.toFixed(1)} µs | +${(handlerOn - handlerOff).toFixed(2)} µs | ${(((handlerOn - handlerOff) / perRound) * 100).toFixed(2)} % |`,
);
