/**
 * @tsalive/ws against the `ws` README's pattern ("How to detect and close broken connections?": a `setInterval`
 * over `wss.clients` with an `isAlive` flag set by each pong), both at the same interval I, side by side in one
 * run, on loopback:
 *
 *   pnpm --filter @tsalive/ws bench
 *
 * For each design, N idle clients in a child process connect to a server in this process; the server's CPU is
 * measured over an idle window, then the client process is frozen (SIGSTOP) and every server socket's detection
 * is timed from the last inbound frame that socket's `ws` parser reported (an independent log, not the monitor's
 * clock). tsalive runs countMax 1, so both designs promise the same bound, 2·I. Prints a Markdown table.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { type WebSocket, WebSocketServer } from "ws";
import { attach, type WsOptions } from "../src/index.ts";
import { browserEntrySize } from "../test/_bundle.ts";

const SOCKETS = Number(process.env.TSALIVE_WS_BENCH_SOCKETS ?? 10_000);
const INTERVAL = Number(process.env.TSALIVE_WS_BENCH_INTERVAL ?? 3000);
const BOUND = 2 * INTERVAL;
const IDLE_WINDOW = 10_000;
const CLIENTS = fileURLToPath(new URL("./_clients.ts", import.meta.url));

interface Tracked {
  lastFrame: number;
  detectedAt: number | undefined;
}

interface Result {
  readonly connected: number;
  /** CPU of this process (user + system), in ms per second of the idle window. */
  readonly cpuPerSecond: number;
  /** Ping frames sent per socket per second of the idle window. */
  readonly pingsPerSocketSecond: number;
  /** Detection after each socket's last inbound frame, minus the bound, in ms. */
  readonly error: { readonly min: number; readonly p50: number; readonly max: number };
  /** Detection after the freeze, in ms. */
  readonly afterFreeze: { readonly min: number; readonly max: number };
  readonly detected: number;
  /** Healthy sockets terminated before the freeze (a pong late by more than the design allows, under load). */
  readonly falseDeaths: number;
}

type Design = (wss: WebSocketServer, track: (socket: WebSocket) => Tracked) => () => void;

/** The ws README's pattern, with its 30 s interval scaled down to INTERVAL. */
const readmePattern: Design = (wss, track) => {
  const alive = new WeakMap<WebSocket, boolean>();
  const tracked = new WeakMap<WebSocket, Tracked>();
  wss.on("connection", (socket) => {
    alive.set(socket, true);
    tracked.set(socket, track(socket));
    socket.on("pong", () => alive.set(socket, true));
  });
  const interval = setInterval(() => {
    for (const socket of wss.clients) {
      if (alive.get(socket) === false) {
        const entry = tracked.get(socket);
        if (entry !== undefined) entry.detectedAt = performance.now();
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, INTERVAL);
  return () => clearInterval(interval);
};

/** @tsalive/ws: one options object for every socket. */
const tsalive: Design = (wss, track) => {
  const options: WsOptions = { probe: { interval: INTERVAL, countMax: 1 } };
  wss.on("connection", (socket) => {
    const entry = track(socket);
    attach(socket, options).on("timeout", () => {
      entry.detectedAt = performance.now();
    });
  });
  return () => {};
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function run(name: string, design: Design): Promise<Result> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const address = wss.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  const all: Tracked[] = [];
  let pings = 0;
  const track = (socket: WebSocket): Tracked => {
    const entry: Tracked = { lastFrame: performance.now(), detectedAt: undefined };
    all.push(entry);
    const receiver = (socket as unknown as { _receiver: NodeJS.EventEmitter })._receiver;
    const mark = (): void => {
      entry.lastFrame = performance.now();
    };
    receiver.on("pong", mark);
    receiver.on("ping", mark);
    receiver.on("message", mark);
    const ping = socket.ping;
    socket.ping = (...args: Parameters<WebSocket["ping"]>) => {
      pings++;
      ping.apply(socket, args);
    };
    return entry;
  };
  const stop = design(wss, track);
  const clients = spawn(
    process.execPath,
    ["--import", "tsx", CLIENTS, `ws://127.0.0.1:${address.port}`, String(SOCKETS)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const connected = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: clients not ready in 120 s`)), 120_000);
      clients.stdout?.on("data", (chunk: Buffer) => {
        const match = /ready (\d+)/.exec(chunk.toString());
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      clients.once("exit", () => reject(new Error(`${name}: the clients exited`)));
    });
    await sleep(2 * INTERVAL); // every socket into its steady probing rhythm
    const pingsBefore = pings;
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    await sleep(IDLE_WINDOW);
    const cpu = process.cpuUsage(cpuBefore);
    const wall = performance.now() - wallBefore;
    const pingsInWindow = pings - pingsBefore;

    const frozenAt = performance.now();
    clients.kill("SIGSTOP");
    const deadline = frozenAt + BOUND + 5 * INTERVAL;
    while (performance.now() < deadline && all.some((entry) => entry.detectedAt === undefined)) await sleep(100);
    const errors: number[] = [];
    const afterFreeze: number[] = [];
    let falseDeaths = 0;
    for (const entry of all) {
      if (entry.detectedAt === undefined) continue;
      if (entry.detectedAt < frozenAt) {
        falseDeaths++;
        continue;
      }
      errors.push(entry.detectedAt - entry.lastFrame - BOUND);
      afterFreeze.push(entry.detectedAt - frozenAt);
    }
    errors.sort((a, b) => a - b);
    afterFreeze.sort((a, b) => a - b);
    return {
      connected,
      cpuPerSecond: ((cpu.user + cpu.system) / 1000 / wall) * 1000,
      pingsPerSocketSecond: pingsInWindow / connected / (wall / 1000),
      error: { min: errors[0] ?? Number.NaN, p50: percentile(errors, 0.5), max: errors.at(-1) ?? Number.NaN },
      afterFreeze: { min: afterFreeze[0] ?? Number.NaN, max: afterFreeze.at(-1) ?? Number.NaN },
      detected: errors.length,
      falseDeaths,
    };
  } finally {
    stop();
    clients.kill("SIGCONT");
    clients.kill("SIGKILL");
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}

const ms = (value: number): string => `${value >= 0 ? "+" : ""}${value.toFixed(1)} ms`;

const ours = await run("tsalive", tsalive);
console.error(`tsalive: ${JSON.stringify(ours)}`);
await sleep(1000);
const theirs = await run("ws README", readmePattern);
console.error(`ws README: ${JSON.stringify(theirs)}`);

const rows = [
  ["sockets connected", String(ours.connected), String(theirs.connected), ""],
  [
    "server CPU while idle (ms per s)",
    ours.cpuPerSecond.toFixed(1),
    theirs.cpuPerSecond.toFixed(1),
    `${(ours.cpuPerSecond / theirs.cpuPerSecond).toFixed(2)}×`,
  ],
  [
    "pings per socket per s while idle",
    ours.pingsPerSocketSecond.toFixed(2),
    theirs.pingsPerSocketSecond.toFixed(2),
    `${(ours.pingsPerSocketSecond / theirs.pingsPerSocketSecond).toFixed(2)}×`,
  ],
  ["healthy sockets terminated before the freeze", `${ours.falseDeaths}`, `${theirs.falseDeaths}`, ""],
  ["dead sockets detected after the freeze", `${ours.detected}`, `${theirs.detected}`, ""],
  [
    "detection − last inbound frame − 2·I: min / median / max",
    `${ms(ours.error.min)} / ${ms(ours.error.p50)} / ${ms(ours.error.max)}`,
    `${ms(theirs.error.min)} / ${ms(theirs.error.p50)} / ${ms(theirs.error.max)}`,
    `max \\|error\\| ${(Math.max(Math.abs(ours.error.min), Math.abs(ours.error.max)) / Math.max(Math.abs(theirs.error.min), Math.abs(theirs.error.max))).toFixed(2)}×`,
  ],
  [
    "detection after the freeze: min – max",
    `${ours.afterFreeze.min.toFixed(0)} – ${ours.afterFreeze.max.toFixed(0)} ms`,
    `${theirs.afterFreeze.min.toFixed(0)} – ${theirs.afterFreeze.max.toFixed(0)} ms`,
    "",
  ],
];
const load = loadavg()[0]?.toFixed(1);
console.log(
  `### @tsalive/ws: ${SOCKETS} idle sockets, I = ${INTERVAL} ms, both promising 2·I (load average ${load})\n`,
);
console.log("| measure | @tsalive/ws (countMax 1) | ws README pattern | ratio |");
console.log("| --- | --- | --- | --- |");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);

const size = await browserEntrySize();
console.log(
  `\nThe browser entry with core, bundled and minified by esbuild: ${size.minified} B, ${size.gzipped} B gzipped.`,
);
