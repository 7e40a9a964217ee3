/**
 * Table 4, scale, and table 3's CPU per 1,000 idle connections: one server process holding many authenticated idle
 * ssh2 connections (clients spread over several processes), with ClientAlive from tsalive or from ssh2's built-in
 * server keepalive at the same interval, measured at 1,000 connections, at 10,000 and at the largest count reached
 * within the login budget (at most the target, and at most what the server's open-files limit holds); then the
 * clients of one process (10 %) are frozen with SIGSTOP and the server's detection is timed from when bytes last
 * arrived on each of their sockets. Every login loop is bounded in count and in time and stops by itself.
 */
import { signal } from "@tsalive/test-support";
import { epochNow, progress, sleep } from "./log.ts";
import type { AliveSetting } from "./precision.ts";
import type { ServerKind } from "./ssh2_server.ts";
import { startWorker, type Worker } from "./worker.ts";

/** Measures over one window at one connection count. */
export interface ScalePoint {
  readonly connections: number;
  /** Logins per second on the way to this count from the previous point (from none, for the first). */
  readonly loginRate: number;
  /** Heap of the server process per connection, over its heap before the first connection (bytes). */
  readonly heapPerConnection: number;
  /** Server CPU, ms per second of wall time. */
  readonly cpuPerSecond: number;
  readonly lagP99: number;
  readonly lagMax: number;
  /** The longest garbage-collection pause in the window (ms). */
  readonly gcLongest: number;
}

/** One kind of server at scale. */
export interface ScalePhase {
  readonly kind: ServerKind;
  /** In count order: 1,000, then 10,000, then the count reached, as far as each was reached. */
  readonly points: ScalePoint[];
  /** Whether the login budget ran out before the count was reached. */
  readonly outOfBudget: boolean;
  readonly frozen: number;
  /** Detection time minus last bytes minus (C+1)·I, per frozen connection that was detected (ms). */
  readonly errors: number[];
  /** Deaths of connections that were not frozen. */
  readonly falseDeaths: number;
  /** The server's event loop from the freeze to the end of the wait: lag p99 and max, the longest GC pause (ms). */
  readonly detection: { readonly lagP99: number; readonly lagMax: number; readonly gcLongest: number } | undefined;
}

/** Table 4's figures. */
export interface ScaleResult {
  /** The count asked for (BENCH_SCALE_TARGET). */
  readonly target: number;
  /** The count both phases aimed at: the target, lowered to what the open-files limit holds. */
  readonly count: number;
  /** The server process's open-files limit (soft = hard: the bench raises it) and its files open before logins. */
  readonly files: { readonly limit: number; readonly hard: number; readonly open: number };
  readonly setting: AliveSetting;
  readonly clientProcesses: number;
  /** Seconds each phase may spend on logins after its first 1,000. */
  readonly budgetSeconds: number;
  readonly phases: ScalePhase[];
}

/** Options of {@linkcode scale}. */
export interface ScaleOptions {
  readonly hostKey: string;
  readonly setting: AliveSetting;
  readonly target: number;
  /** Seconds each phase may spend logging clients in after the first `small`. */
  readonly budgetSeconds: number;
  readonly small: number;
  /** The count of the middle point (10,000: the lag goal's count), if below the target. */
  readonly middle: number;
  readonly clientProcesses: number;
  readonly smallWindow: number;
  readonly largeWindow: number;
}

/** Files the server keeps for itself beyond its connections (stdio, IPC, epoll, the listener, headroom). */
export const FILE_RESERVE = 64;
/**
 * The clients' CPU priority below the server's. They stand for machines elsewhere: on a 2-core machine, client
 * processes answering as many probes as the server sends compete with it for the cores at equal priority, and
 * the scheduler's delays then show up as the server's event-loop lag and detection error.
 */
export const CLIENT_NICE = 10;
/** Login lanes of the client process with the largest share; the others get lanes in proportion to their share. */
const LANES = 12;

/** Splits `total` over `parts` as evenly as possible. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0));
}

/**
 * Logs in `counts[i]` clients from worker `i`, with lanes in proportion to the counts so that every worker keeps
 * its share when the budget (ms) stops them early. Resolves whether the budget stopped any.
 */
export async function connectAll(
  workers: readonly Worker[],
  counts: readonly number[],
  port: number,
  budget: number,
): Promise<boolean> {
  const largest = Math.max(1, ...counts);
  const results = await Promise.all(
    workers.map((worker, index) => {
      const count = counts[index] ?? 0;
      const concurrency = Math.max(1, Math.round((LANES * count) / largest));
      return worker.request<{ ready: number; failed: number; lastError: string; stopped: boolean }>(
        { type: "connect", count, port, concurrency, budget },
        // A login under way when the budget runs out may take up to the client's readyTimeout (120 s).
        Math.min(budget, 3_600_000) + 150_000,
      );
    }),
  );
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  if (failed > 0) progress(`scale: ${failed} logins failed (${results.map((r) => r.lastError).join("; ")})`);
  return results.some((result) => result.stopped);
}

async function measure(server: Worker, baseline: number, window: number, loginRate: number): Promise<ScalePoint> {
  const { authenticated: connections } = await server.request<{ authenticated: number }>({ type: "counts" });
  await server.request({ type: "windowStart" });
  await sleep(window);
  const result = await server.request<{
    elapsed: number;
    cpuMs: number;
    lagP99: number;
    lagMax: number;
    gcLongest: number;
  }>({ type: "windowEnd" });
  const heap = await server.request<number>({ type: "heap" });
  return {
    connections,
    loginRate,
    heapPerConnection: (heap - baseline) / connections,
    cpuPerSecond: result.cpuMs / (result.elapsed / 1000),
    lagP99: result.lagP99,
    lagMax: result.lagMax,
    gcLongest: result.gcLongest,
  };
}

async function phase(kind: ServerKind, count: number, options: ScaleOptions): Promise<ScalePhase> {
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
      workers.push(startWorker("./client_worker.ts", `${kind} clients ${index + 1}`, {}, CLIENT_NICE));
    }
    await Promise.all(workers.map((worker) => worker.request({ type: "ports" })));
    const countsFor = (total: number) => [
      ...split(total - Math.round(total / 10), clientProcesses - 1),
      Math.round(total / 10),
    ];
    const stops = [...new Set([options.small, options.middle, count])].filter((n) => n <= count).sort((a, b) => a - b);
    const points: ScalePoint[] = [];
    let outOfBudget = false;
    let held = countsFor(0);
    let budgetEnds = Number.POSITIVE_INFINITY;
    for (const [index, stop] of stops.entries()) {
      const wanted = countsFor(stop);
      const counts = wanted.map((value, i) => Math.max(0, value - (held[i] ?? 0)));
      const before = points.at(-1)?.connections ?? 0;
      progress(`scale, ${kind}: logging in ${stop - before} more clients, to ${stop}`);
      const started = performance.now();
      outOfBudget = await connectAll(workers, counts, port, index === 0 ? 600_000 : budgetEnds - started);
      held = wanted;
      const elapsed = performance.now() - started;
      const { authenticated } = await server.request<{ authenticated: number }>({ type: "counts" });
      const point = await measure(
        server,
        baseline,
        index === 0 ? options.smallWindow : options.largeWindow,
        ((authenticated - before) / elapsed) * 1000,
      );
      points.push(point);
      progress(
        `scale, ${kind}: ${point.connections} connections (${point.loginRate.toFixed(0)} logins/s): ${point.heapPerConnection.toFixed(0)} B heap each, CPU ${point.cpuPerSecond.toFixed(0)} ms/s, lag p99 ${point.lagP99.toFixed(1)} ms`,
      );
      // The budget runs from the end of the first point's window, so the measuring windows do not eat it.
      if (index === 0) budgetEnds = performance.now() + options.budgetSeconds * 1000;
      if (outOfBudget) {
        progress(`scale, ${kind}: the ${options.budgetSeconds} s login budget ran out at ${point.connections}`);
        break;
      }
    }
    // Freeze the last worker's clients, once every connection has had bytes noted since observing began.
    await server.request({ type: "observe" });
    await sleep(setting.interval + 300);
    const freezer = workers[workers.length - 1] as Worker;
    const frozenPorts = new Set(await freezer.request<number[]>({ type: "ports" }));
    await server.request({ type: "windowStart" });
    signal(freezer.pid, "SIGSTOP");
    const bound = (setting.countMax + 1) * setting.interval;
    progress(`scale, ${kind}: froze ${frozenPorts.size} clients; waiting ${(bound + 3000) / 1000} s`);
    const frozenAt = epochNow();
    while (epochNow() < frozenAt + bound + 3000) await sleep(250);
    const detection = await server.request<{ lagP99: number; lagMax: number; gcLongest: number }>({
      type: "windowEnd",
    });
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
      points,
      outOfBudget,
      frozen: frozenPorts.size,
      errors,
      falseDeaths,
      detection: { lagP99: detection.lagP99, lagMax: detection.lagMax, gcLongest: detection.gcLongest },
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}

/**
 * Runs ssh2's built-in keepalive first, then tsalive, each aiming at the same count with the same login budget.
 * The count is the target, lowered to what one server process's open-files limit holds.
 */
export async function scale(options: ScaleOptions): Promise<ScaleResult> {
  const files = await openFiles();
  const fits = Math.floor((files.limit - files.open - FILE_RESERVE) / 100) * 100;
  const count = Math.max(options.small, Math.min(options.target, fits));
  progress(
    `scale: open-files limit ${files.limit} (hard ${files.hard}), ${files.open} open: aiming at ${count} connections, ${options.budgetSeconds} s of logins per phase`,
  );
  const phases: ScalePhase[] = [];
  for (const kind of ["builtin", "tsalive"] as const) phases.push(await phase(kind, count, options));
  return {
    target: options.target,
    count,
    files,
    setting: options.setting,
    clientProcesses: options.clientProcesses,
    budgetSeconds: options.budgetSeconds,
    phases,
  };
}

/** The open-files limit of a server worker, and the files it holds before any connection. */
async function openFiles(): Promise<ScaleResult["files"]> {
  const server = startWorker("./server_worker.ts", "limits server");
  try {
    return await server.request<ScaleResult["files"]>({ type: "files" });
  } finally {
    await server.stop();
  }
}
