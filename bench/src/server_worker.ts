/**
 * The server process of the scale and overhead tables: one ssh2 Server of the kind asked for, measuring its own
 * heap, CPU and event-loop lag on request, and recording for every connection when bytes last arrived (a socket
 * `'data'` listener of its own, independent of tsalive) and when the server declared the client dead.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import type { Socket } from "node:net";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { epochNow } from "./log.ts";
import { type BenchServer, type ServerKind, startBenchServer } from "./ssh2_server.ts";
import { serveRequests, type WorkerRequest } from "./worker.ts";

const gc = (globalThis as { gc?: () => void }).gc;
let server: BenchServer | undefined;
/** The histogram records whole intervals between its timer's firings: lag is what exceeds the resolution. */
const RESOLUTION = 10;
const lag = monitorEventLoopDelay({ resolution: RESOLUTION });
lag.enable();
let window: { cpu: NodeJS.CpuUsage; at: number; switches: number | undefined } | undefined;
/** Garbage-collection pauses since the window opened: the longest and their sum, in ms. */
const pauses = { longest: 0, total: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    pauses.total += entry.duration;
    pauses.longest = Math.max(pauses.longest, entry.duration);
  }
}).observe({ entryTypes: ["gc"] });
const lastData = new WeakMap<object, number>();
let profiler: Session | undefined;

/** Posts one inspector command and resolves with its result. */
function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error === null ? resolve(result as T) : reject(error))),
  );
}

/**
 * The main thread's voluntary context switches (Linux): each is the event loop going to sleep in epoll_wait with
 * nothing to do, so their rate is the loop's wake-ups per second. `undefined` where /proc does not say.
 */
function switches(): number | undefined {
  try {
    const line = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(
      readFileSync(`/proc/self/task/${process.pid}/status`, "utf8"),
    );
    return line === null ? undefined : Number(line[1]);
  } catch {
    return undefined;
  }
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

serveRequests({
  async listen(message: WorkerRequest) {
    server = await startBenchServer({
      kind: message.kind as ServerKind,
      hostKey: message.hostKey as string,
      ...(message.probe !== undefined && { probe: message.probe as { interval: number; countMax: number } }),
    });
    return { port: server.port };
  },
  heap: () => heapUsed(),
  /**
   * Starts V8's sampling CPU profiler in this process (what `--cpu-prof` runs, but over a window the bench
   * chooses, so logins stay out of it), sampling every `interval` µs.
   */
  async profileStart(message: WorkerRequest) {
    profiler = new Session();
    profiler.connect();
    await post(profiler, "Profiler.enable");
    await post(profiler, "Profiler.setSamplingInterval", { interval: message.interval as number });
    await post(profiler, "Profiler.start");
    return true;
  },
  /** Stops the profiler and writes the profile (`.cpuprofile` JSON) to `path`. */
  async profileStop(message: WorkerRequest) {
    if (profiler === undefined) throw new Error("profileStop before profileStart");
    const { profile } = await post<{ profile: unknown }>(profiler, "Profiler.stop");
    profiler.disconnect();
    profiler = undefined;
    writeFileSync(message.path as string, JSON.stringify(profile));
    return true;
  },
  /** The open-files limit of this process (soft, raised to the hard limit at start) and how many are open now. */
  files() {
    const line = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return {
      limit: Number(line?.[1] ?? Number.NaN),
      hard: Number(line?.[2] ?? Number.NaN),
      open: readdirSync("/proc/self/fd").length,
    };
  },
  /** This process's CPU so far, user + system, in ms: the overhead table brackets each download with it. */
  cpu() {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  },
  counts: () => ({ authenticated: server?.authenticated() ?? 0, open: server?.server ? openCount() : 0 }),
  windowStart() {
    lag.reset();
    pauses.longest = 0;
    pauses.total = 0;
    window = { cpu: process.cpuUsage(), at: performance.now(), switches: switches() };
    return true;
  },
  windowEnd() {
    if (window === undefined) throw new Error("windowEnd before windowStart");
    const cpu = process.cpuUsage(window.cpu);
    const elapsed = performance.now() - window.at;
    const end = switches();
    return {
      elapsed,
      wakeups:
        end === undefined || window.switches === undefined ? undefined : (end - window.switches) / (elapsed / 1000),
      cpuMs: (cpu.user + cpu.system) / 1000,
      lagP99: Math.max(0, lag.percentile(99) / 1e6 - RESOLUTION),
      lagMax: Math.max(0, lag.max / 1e6 - RESOLUTION),
      lagMean: Math.max(0, lag.mean / 1e6 - RESOLUTION),
      gcLongest: pauses.longest,
      gcTotal: pauses.total,
    };
  },
  observe() {
    // From now on, note when bytes arrive on each connection: the bench's own view of the last packet.
    const now = epochNow();
    for (const record of server?.records ?? []) {
      const socket = (record.connection as unknown as { _sock: Socket })._sock;
      lastData.set(record, now);
      socket.on("data", () => lastData.set(record, epochNow()));
    }
    return true;
  },
  deaths() {
    const result: { remotePort: number; lastData: number | undefined; detectedAt: number | undefined }[] = [];
    for (const record of server?.records ?? []) {
      if (record.detectedAt === undefined) continue;
      result.push({ remotePort: record.remotePort, lastData: lastData.get(record), detectedAt: record.detectedAt });
    }
    return result;
  },
});

function openCount(): number {
  let open = 0;
  for (const record of server?.records ?? []) if (record.closedAt === undefined) open++;
  return open;
}
