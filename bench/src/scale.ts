/**
 * Table 4, scale, and table 3's CPU per 1,000 idle connections: one server process holding many authenticated idle
 * ssh2 connections (clients spread over several processes), with ClientAlive from tsalive or from ssh2's built-in
 * server keepalive at the same interval, measured at 1,000 connections and at the largest count that fits the time
 * budget; then the clients of one process (10 %) are frozen with SIGSTOP and the server's detection is timed from
 * when bytes last arrived on each of their sockets.
 */
import { signal } from "@tsalive/test-support";
import { epochNow, progress, sleep } from "./log.ts";
import type { AliveSetting } from "./precision.ts";
import type { ServerKind } from "./ssh2_server.ts";
import { startWorker, type Worker } from "./worker.ts";

/** Measures over one window at one connection count. */
export interface ScalePoint {
  readonly connections: number;
  /** Heap of the server process per connection, over its heap before the first connection (bytes). */
  readonly heapPerConnection: number;
  /** Server CPU, ms per second of wall time. */
  readonly cpuPerSecond: number;
  readonly lagP99: number;
  readonly lagMax: number;
}

/** One kind of server at scale. */
export interface ScalePhase {
  readonly kind: ServerKind;
  /** Logins per second while going from 1,000 to the full count (all processes on the machine busy with it). */
  readonly setupRate: number;
  readonly small: ScalePoint;
  readonly large: ScalePoint;
  readonly frozen: number;
  /** Detection time minus last bytes minus (C+1)·I, per frozen connection that was detected (ms). */
  readonly errors: number[];
  /** Deaths of connections that were not frozen. */
  readonly falseDeaths: number;
}

/** Table 4's figures. */
export interface ScaleResult {
  readonly target: number;
  readonly count: number;
  readonly setting: AliveSetting;
  readonly clientProcesses: number;
  /** The login rate measured first, per second, and the budget it was held against. */
  readonly measuredRate: number;
  readonly budgetSeconds: number;
  readonly phases: ScalePhase[];
}

/** Options of {@linkcode scale}. */
export interface ScaleOptions {
  readonly hostKey: string;
  readonly setting: AliveSetting;
  readonly target: number;
  /** Seconds each phase may spend logging clients in. */
  readonly budgetSeconds: number;
  readonly small: number;
  readonly clientProcesses: number;
  readonly smallWindow: number;
  readonly largeWindow: number;
}

/** Splits `total` over `parts` as evenly as possible. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0));
}

async function connectAll(
  workers: readonly Worker[],
  counts: readonly number[],
  port: number,
  timeout: number,
): Promise<void> {
  const results = await Promise.all(
    workers.map((worker, index) =>
      worker.request<{ ready: number; failed: number; lastError: string }>(
        { type: "connect", count: counts[index] ?? 0, port, concurrency: 12 },
        timeout,
      ),
    ),
  );
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  if (failed > 0) progress(`scale: ${failed} logins failed (${results.map((r) => r.lastError).join("; ")})`);
}

async function measure(server: Worker, connections: number, baseline: number, window: number): Promise<ScalePoint> {
  await server.request({ type: "windowStart" });
  await sleep(window);
  const result = await server.request<{ elapsed: number; cpuMs: number; lagP99: number; lagMax: number }>({
    type: "windowEnd",
  });
  const heap = await server.request<number>({ type: "heap" });
  return {
    connections,
    heapPerConnection: (heap - baseline) / connections,
    cpuPerSecond: result.cpuMs / (result.elapsed / 1000),
    lagP99: result.lagP99,
    lagMax: result.lagMax,
  };
}

async function phase(kind: ServerKind, count: number, options: ScaleOptions): Promise<ScalePhase & { rate: number }> {
  const { setting, clientProcesses } = options;
  const server = startWorker("./server_worker.ts", `${kind} server`);
  const workers: Worker[] = [];
  try {
    const { port } = await server.request<{ port: number }>({
      type: "listen",
      kind,
      hostKey: options.hostKey,
      probe: setting,
    });
    const baseline = await server.request<number>({ type: "heap" });
    // The last worker holds the 10 % that will be frozen.
    for (let index = 0; index < clientProcesses; index++) {
      workers.push(startWorker("./client_worker.ts", `${kind} clients ${index + 1}`));
    }
    const countsFor = (total: number) => [
      ...split(total - Math.round(total / 10), clientProcesses - 1),
      Math.round(total / 10),
    ];
    const smallCounts = countsFor(options.small);
    progress(`scale, ${kind}: logging in ${options.small} clients`);
    await connectAll(workers, smallCounts, port, 600_000);
    const small = await measure(server, options.small, baseline, options.smallWindow);
    progress(
      `scale, ${kind}: ${options.small} connections: ${small.heapPerConnection.toFixed(0)} B heap each, CPU ${small.cpuPerSecond.toFixed(0)} ms/s, lag p99 ${small.lagP99.toFixed(1)} ms`,
    );
    const largeCounts = countsFor(count).map((value, index) => value - (smallCounts[index] ?? 0));
    progress(`scale, ${kind}: logging in ${count - options.small} more clients`);
    const started = performance.now();
    await connectAll(workers, largeCounts, port, options.budgetSeconds * 3000);
    const rate = ((count - options.small) / (performance.now() - started)) * 1000;
    const { authenticated } = await server.request<{ authenticated: number }>({ type: "counts" });
    const large = await measure(server, authenticated, baseline, options.largeWindow);
    progress(
      `scale, ${kind}: ${authenticated} connections (${rate.toFixed(0)} logins/s): ${large.heapPerConnection.toFixed(0)} B heap each, CPU ${large.cpuPerSecond.toFixed(0)} ms/s, lag p99 ${large.lagP99.toFixed(1)} ms`,
    );
    // Freeze the last worker's clients, once every connection has had bytes noted since observing began.
    await server.request({ type: "observe" });
    await sleep(setting.interval + 300);
    const freezer = workers[workers.length - 1] as Worker;
    const frozenPorts = new Set(await freezer.request<number[]>({ type: "ports" }));
    signal(freezer.pid, "SIGSTOP");
    const bound = (setting.countMax + 1) * setting.interval;
    progress(`scale, ${kind}: froze ${frozenPorts.size} clients; waiting ${(bound + 3000) / 1000} s`);
    const frozenAt = epochNow();
    while (epochNow() < frozenAt + bound + 3000) await sleep(250);
    const deaths = await server.request<{ remotePort: number; lastData?: number; detectedAt: number }[]>({
      type: "deaths",
    });
    signal(freezer.pid, "SIGCONT");
    const errors: number[] = [];
    let falseDeaths = 0;
    for (const death of deaths) {
      if (!frozenPorts.has(death.remotePort)) falseDeaths++;
      else if (death.lastData !== undefined) errors.push(death.detectedAt - death.lastData - bound);
    }
    return {
      kind,
      setupRate: rate,
      rate,
      small,
      large,
      frozen: frozenPorts.size,
      errors,
      falseDeaths,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}

/**
 * Runs ssh2's built-in keepalive first (its login rate decides the count that fits the budget), then tsalive at
 * the same count.
 */
export async function scale(options: ScaleOptions): Promise<ScaleResult> {
  // The first phase learns the login rate on 1,000 clients and picks the count that fits the budget.
  const probe = await probeRate(options);
  const fits = Math.floor((options.small + probe * options.budgetSeconds) / 500) * 500;
  const count = Math.max(options.small, Math.min(options.target, fits));
  progress(
    `scale: ${probe.toFixed(0)} logins/s measured; ${count} connections fit ${options.budgetSeconds} s per phase`,
  );
  const phases: ScalePhase[] = [];
  for (const kind of ["builtin", "tsalive"] as const) phases.push(await phase(kind, count, options));
  return {
    target: options.target,
    count,
    setting: options.setting,
    clientProcesses: options.clientProcesses,
    measuredRate: probe,
    budgetSeconds: options.budgetSeconds,
    phases,
  };
}

/**
 * Logins per second with the machine's cores shared by the server and its clients, on 500 clients from as many
 * client processes as the phases use, timed once every process has loaded.
 */
async function probeRate(options: ScaleOptions): Promise<number> {
  const server = startWorker("./server_worker.ts", "rate server");
  const workers = Array.from({ length: options.clientProcesses }, (_, index) =>
    startWorker("./client_worker.ts", `rate clients ${index + 1}`),
  );
  try {
    const { port } = await server.request<{ port: number }>({
      type: "listen",
      kind: "plain",
      hostKey: options.hostKey,
    });
    await Promise.all(workers.map((worker) => worker.request({ type: "ports" })));
    const started = performance.now();
    await connectAll(workers, split(500, workers.length), port, 120_000);
    return (500 / (performance.now() - started)) * 1000;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}
