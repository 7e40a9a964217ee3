/**
 * Cost of @tsalive/core against the naive designs, measured side by side in one run:
 *
 *   pnpm --filter @tsalive/core bench
 *
 * It runs the built package (dist/), as users get it, and prints a Markdown table. "default" is a monitor as
 * constructed without `time` (the process-wide shared scheduler); "systemTimers" (`time: systemTime`) gives each
 * monitor its own runtime timer; "naive" is the design most code uses (see _naive.ts).
 */
import { type Clock, createSharedTimers, LivenessMonitor, systemClock, systemTime, type Timers } from "@tsalive/core";
import { IntervalPerSession, RefreshPerPacket } from "./_naive.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

const rows: string[][] = [];
function row(measure: string, scenario: string, ours: string, perMonitorTimers: string, naive: string, ratio: string) {
  rows.push([measure, scenario, ours, perMonitorTimers, naive, ratio]);
  console.error(`${measure}: ${scenario}: ${ours} | ${perMonitorTimers} | ${naive} | ${ratio}`);
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU cases run this many times, the designs alternating, and report the median: one run varies by a third. */
const REPEATS = 5;

/** Runs each design `REPEATS` times in turn and returns each one's median. */
async function medians(designs: readonly (() => Promise<number>)[]): Promise<number[]> {
  const runs: number[][] = designs.map(() => []);
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const [index, design] of designs.entries()) runs[index]?.push(await design());
  }
  return runs.map((values) => {
    const sorted = values.sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  });
}

function counting(time: Clock & Timers, counter: { ops: number }): Clock & Timers {
  return {
    now: () => time.now(),
    setTimeout(callback: (arg: unknown) => void, delay: number, arg?: unknown) {
      counter.ops++;
      return time.setTimeout(callback, delay, arg);
    },
    clearTimeout(handle) {
      counter.ops++;
      time.clearTimeout(handle);
    },
  };
}

const transport = { sendProbe() {} };
const INTERVAL = 1000;

// 1. Nanoseconds per activity mark --------------------------------------------------------------------------------
function nsPer(iterations: number, body: (n: number) => void): number {
  body(iterations / 10); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    body(iterations);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations);
  }
  return best;
}

{
  const N = 10_000_000;
  const monitor = new LivenessMonitor(transport, { probe: { interval: 60_000 } });
  monitor.start();
  const mark = nsPer(N, (n) => {
    for (let i = 0; i < n; i++) monitor.markInbound();
  });
  monitor.stop();
  let sink = 0;
  const clock = nsPer(N, (n) => {
    for (let i = 0; i < n; i++) sink += systemClock.now();
  });
  const naive = new RefreshPerPacket(
    60_000,
    () => {},
    () => {},
  );
  const refresh = nsPer(N / 10, (n) => {
    for (let i = 0; i < n; i++) naive.markInbound(() => {});
  });
  naive.stop();
  row(
    "ns per mark",
    "markInbound() vs timer.refresh() per packet",
    `${mark.toFixed(1)} ns`,
    "same",
    `${refresh.toFixed(1)} ns`,
    `${(refresh / mark).toFixed(2)}`,
  );
  row(
    "ns per mark",
    "of which the clock read, performance.now()",
    `${clock.toFixed(1)} ns`,
    "same",
    "",
    sink > 0 ? "" : "-",
  );
}

// 2. Bytes per idle session -----------------------------------------------------------------------------------------
function bytesPerSession(count: number, make: () => { stop(): void }): number {
  const sessions: { stop(): void }[] = new Array(count).fill(undefined);
  const before = heapUsed();
  for (let i = 0; i < count; i++) sessions[i] = make();
  const bytes = (heapUsed() - before) / count;
  for (const session of sessions) session.stop();
  return bytes;
}

for (const count of [100_000, 1_000_000]) {
  const started = (options: { probe: { interval: number }; time?: Clock & Timers }) => () => {
    const monitor = new LivenessMonitor(transport, options);
    monitor.start();
    return monitor;
  };
  const ours = bytesPerSession(count, started({ probe: { interval: 60_000 }, time: createSharedTimers() }));
  const own = bytesPerSession(count, started({ probe: { interval: 60_000 }, time: systemTime }));
  const naive = bytesPerSession(count, () => new IntervalPerSession(60_000, () => {}));
  row(
    "bytes per idle session",
    `${count.toLocaleString("en")} sessions, probing enabled`,
    `${ours.toFixed(0)} B`,
    `${own.toFixed(0)} B`,
    `${naive.toFixed(0)} B (setInterval)`,
    (naive / ours).toFixed(2),
  );
}

// 3. Timer operations and CPU under steady traffic ------------------------------------------------------------------
async function steadyTraffic(sessions: number, perSecond: number, seconds: number, mark: (i: number) => void) {
  // Each tick of 10 ms marks the sessions whose turn it is, so each one receives `perSecond` packets a second.
  const cpu = process.cpuUsage();
  const ticksPerPacket = 100 / perSecond;
  const slice = sessions / ticksPerPacket;
  for (let tick = 0; tick < seconds * 100; tick++) {
    const from = (tick % ticksPerPacket) * slice;
    for (let i = from; i < from + slice; i++) mark(i);
    await sleep(10);
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000;
}

for (const [sessions, perSecond] of [
  [100_000, 10],
  [10_000, 100],
] as const) {
  const seconds = 3;
  // Timer operations are counted in a run of their own: the counting wrapper adds calls to every clock read and
  // timer op, and it hides the shared timers from the monitors (which re-arm a fired entry in place on them), so
  // the CPU is measured without it, on each design as it runs.
  const run = async (time: Clock & Timers, counter?: { ops: number }) => {
    const options = { probe: { interval: INTERVAL }, time: counter === undefined ? time : counting(time, counter) };
    const monitors = Array.from({ length: sessions }, () => new LivenessMonitor(transport, options));
    for (const monitor of monitors) monitor.start();
    const cpu = await steadyTraffic(sessions, perSecond, seconds, (i) => monitors[i]?.markInbound());
    for (const monitor of monitors) monitor.stop();
    return cpu;
  };
  const counted = async (time: Clock & Timers) => {
    const counter = { ops: 0 };
    await run(time, counter);
    return counter.ops;
  };
  const naiveRun = async (op: () => void) => {
    const naive = Array.from({ length: sessions }, () => new RefreshPerPacket(INTERVAL, () => {}, op));
    const cpu = await steadyTraffic(sessions, perSecond, seconds, (i) => naive[i]?.markInbound(op));
    for (const session of naive) session.stop();
    return cpu;
  };
  const naiveCounter = { ops: 0 };
  await naiveRun(() => naiveCounter.ops++);
  const [oursCpu = 0, ownCpu = 0, naiveCpu = 0] = await medians([
    () => run(createSharedTimers()),
    () => run(systemTime),
    () => naiveRun(() => {}),
  ]);
  const ours = { ops: await counted(createSharedTimers()), cpu: oursCpu };
  const own = { ops: await counted(systemTime), cpu: ownCpu };
  const show = (r: { ops: number; cpu: number }) => `${r.ops.toLocaleString("en")} ops, ${r.cpu.toFixed(0)} ms CPU`;
  row(
    "timer ops, CPU",
    `${sessions.toLocaleString("en")} sessions × ${perSecond} packets/s × ${seconds} s`,
    show(ours),
    show(own),
    `${show({ ops: naiveCounter.ops, cpu: naiveCpu })} (refresh)`,
    `ops ${(naiveCounter.ops / ours.ops).toFixed(1)}, CPU ${(naiveCpu / ours.cpu).toFixed(2)}`,
  );
}

// 4. One probe round over 100,000 silent sessions ------------------------------------------------------------------
const SESSIONS = 100_000;

/** CPU time spent firing one probe for each of SESSIONS silent sessions started together. */
async function probeRound(label: string, start: (sendProbe: () => void) => { stop(): void }[]): Promise<number> {
  let probes = 0;
  const sessions = start(() => probes++);
  const cpu = process.cpuUsage();
  const deadline = performance.now() + INTERVAL * 3;
  while (probes < SESSIONS && performance.now() < deadline) await sleep(20);
  const used = process.cpuUsage(cpu);
  for (const session of sessions) session.stop();
  if (probes < SESSIONS) throw new Error(`${label}: only ${probes} of ${SESSIONS} probes in ${INTERVAL * 3} ms`);
  return (used.user + used.system) / 1000;
}

{
  const monitors = (time: Clock & Timers) => (sendProbe: () => void) => {
    const options = { probe: { interval: INTERVAL }, time };
    const list = Array.from({ length: SESSIONS }, () => new LivenessMonitor({ sendProbe }, options));
    for (const monitor of list) monitor.start();
    return list;
  };
  const [ours = 0, own = 0, naive = 0] = await medians([
    () => probeRound("default", monitors(createSharedTimers())),
    () => probeRound("systemTimers", monitors(systemTime)),
    () =>
      probeRound("naive", (sendProbe) =>
        Array.from({ length: SESSIONS }, () => new IntervalPerSession(INTERVAL, sendProbe)),
      ),
  ]);
  row(
    "probe round",
    `${SESSIONS.toLocaleString("en")} silent sessions, CPU to send one probe each`,
    `${ours.toFixed(0)} ms`,
    `${own.toFixed(0)} ms`,
    `${naive.toFixed(0)} ms (setInterval)`,
    (naive / ours).toFixed(2),
  );
}

console.log(`@tsalive/core bench: node ${process.version} ${process.arch}, ${new Date().toISOString().slice(0, 10)}`);
console.log("ratio = naive / tsalive default: above 1 means tsalive uses less.");
console.log("");
console.log("| measure | scenario | tsalive (default) | tsalive (systemTimers) | naive | ratio |");
console.log("|---|---|---|---|---|---|");
for (const cells of rows) console.log(`| ${cells.join(" | ")} |`);
