/**
 * Table 3's CPU per 1,000 idle connections: two server processes side by side, one with ssh2's built-in server
 * keepalive and one with tsalive, each holding the same number of authenticated idle connections from client
 * processes of its own, both probing at the same interval and count. Both are measured over the same windows, so
 * whatever else the machine does falls on both alike; the goal is judged on the median of the per-window ratios.
 */
import { progress, sleep } from "./log.ts";
import type { AliveSetting } from "./precision.ts";
import { connectAll, split } from "./scale.ts";
import type { ServerKind } from "./ssh2_server.ts";
import { median } from "./stats.ts";
import { startWorker, type Worker } from "./worker.ts";

/** What {@linkcode idleCpu} measured. */
export interface IdleCpuResult {
  readonly setting: AliveSetting;
  /** Connections each server held (authenticated), by kind. */
  readonly connections: Readonly<Record<"builtin" | "tsalive", number>>;
  readonly windowMs: number;
  /** CPU in ms per second of wall time, one figure per window, by kind. */
  readonly cpu: Readonly<Record<"builtin" | "tsalive", readonly number[]>>;
  /** The event loop's wake-ups per second (voluntary context switches of the main thread), per window, by kind. */
  readonly wakeups: Readonly<Record<"builtin" | "tsalive", readonly number[]>>;
  /** tsalive's CPU over the built-in's, per window. */
  readonly ratios: readonly number[];
}

/** Options of {@linkcode idleCpu}. */
export interface IdleCpuOptions {
  readonly hostKey: string;
  readonly setting: AliveSetting;
  readonly connections: number;
  readonly windows: number;
  readonly windowMs: number;
  /** Client processes per server. */
  readonly clientProcesses: number;
  /** Wait after the last login before the first window, so that every connection probes in its steady state. */
  readonly settleMs: number;
}

const KINDS = ["builtin", "tsalive"] as const satisfies readonly ServerKind[];

/** One server process of a side-by-side measure with its client processes, logged in. */
export interface Side {
  readonly kind: (typeof KINDS)[number];
  readonly server: Worker;
  readonly clients: Worker[];
}

/**
 * Starts a server of `kind` with client processes of its own and logs `connections` clients in. The side goes into
 * `sides` before the logins, so that the caller's cleanup stops its processes even when a login fails.
 */
export async function startSide(
  kind: (typeof KINDS)[number],
  options: Pick<IdleCpuOptions, "hostKey" | "setting" | "connections" | "clientProcesses">,
  sides: Side[],
  label: string,
): Promise<Side> {
  const server = startWorker("./server_worker.ts", `${label} ${kind} server`);
  const clients = Array.from({ length: options.clientProcesses }, (_, index) =>
    startWorker("./client_worker.ts", `${label} ${kind} clients ${index + 1}`),
  );
  const side = { kind, server, clients };
  sides.push(side);
  const { port } = await server.request<{ port: number }>({
    type: "listen",
    kind,
    hostKey: options.hostKey,
    probe: options.setting,
  });
  await Promise.all(clients.map((client) => client.request({ type: "ports" })));
  progress(`${label}, ${kind}: logging in ${options.connections} clients`);
  await connectAll(clients, split(options.connections, clients.length), port, 300_000);
  return side;
}

/** Stops every process of `sides`. */
export async function stopSides(sides: readonly Side[]): Promise<void> {
  for (const side of sides) await Promise.all([side.server, ...side.clients].map((worker) => worker.stop()));
}

/** Measures both servers' CPU over the same windows; every process it starts is stopped before it returns. */
export async function idleCpu(options: IdleCpuOptions): Promise<IdleCpuResult> {
  const sides: Side[] = [];
  try {
    // One after the other: each server's logins run on a machine not busy with the other's.
    for (const kind of KINDS) await startSide(kind, options, sides, "idle CPU");
    const connections = { builtin: 0, tsalive: 0 };
    for (const side of sides) {
      const counts = await side.server.request<{ authenticated: number }>({ type: "counts" });
      connections[side.kind] = counts.authenticated;
    }
    await sleep(options.settleMs);
    const cpu: Record<(typeof KINDS)[number], number[]> = { builtin: [], tsalive: [] };
    const wakeups: Record<(typeof KINDS)[number], number[]> = { builtin: [], tsalive: [] };
    const ratios: number[] = [];
    for (let window = 0; window < options.windows; window++) {
      // The order of the requests alternates, so neither server's window is always the one opened first.
      const order = window % 2 === 0 ? sides : [...sides].reverse();
      await Promise.all(order.map((side) => side.server.request({ type: "windowStart" })));
      await sleep(options.windowMs);
      const ends = await Promise.all(
        order.map((side) =>
          side.server
            .request<{ elapsed: number; cpuMs: number; wakeups?: number }>({ type: "windowEnd" })
            .then((end) => ({ kind: side.kind, perSecond: end.cpuMs / (end.elapsed / 1000), wakeups: end.wakeups })),
        ),
      );
      for (const end of ends) {
        cpu[end.kind].push(end.perSecond);
        if (end.wakeups !== undefined) wakeups[end.kind].push(end.wakeups);
      }
      const builtin = cpu.builtin.at(-1) ?? Number.NaN;
      const tsalive = cpu.tsalive.at(-1) ?? Number.NaN;
      ratios.push(tsalive / builtin);
      progress(
        `idle CPU ${window + 1}/${options.windows}: built-in ${builtin.toFixed(0)} ms/s, tsalive ${tsalive.toFixed(0)} ms/s (${(tsalive / builtin).toFixed(2)}×)`,
      );
    }
    return { setting: options.setting, connections, windowMs: options.windowMs, cpu, wakeups, ratios };
  } finally {
    await stopSides(sides);
  }
}

/** The median ratio, and each kind's median CPU normalised to 1,000 connections and median wake-ups per second. */
export function idleCpuSummary(result: IdleCpuResult): {
  readonly ratio: number;
  readonly per1000: Readonly<Record<"builtin" | "tsalive", number>>;
  readonly wakeups: Readonly<Record<"builtin" | "tsalive", number>>;
} {
  const per1000 = (kind: (typeof KINDS)[number]) =>
    (median(result.cpu[kind]) * 1000) / Math.max(1, result.connections[kind]);
  return {
    ratio: median(result.ratios),
    per1000: { builtin: per1000("builtin"), tsalive: per1000("tsalive") },
    wakeups: { builtin: median(result.wakeups.builtin), tsalive: median(result.wakeups.tsalive) },
  };
}
