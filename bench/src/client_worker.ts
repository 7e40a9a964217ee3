/**
 * A client process of the scale and overhead tables: many idle ssh2 clients logged in to one server with the
 * password `bench`, connected a batch at a time; it reports its local ports so the bench can tell which of the
 * server's connections belong to it (the ones it freezes).
 */
import { attach } from "@tsalive/ssh2-client";
import ssh2 from "ssh2";
import { serveRequests, type WorkerRequest } from "./worker.ts";

const clients: ssh2.Client[] = [];
const ports: number[] = [];
let failed = 0;
let lastError = "";
let window: NodeJS.CpuUsage | undefined;

function connectOne(port: number, mode: string, probe: { interval: number; countMax: number } | undefined) {
  return new Promise<void>((resolve) => {
    const client = new ssh2.Client();
    if (mode === "tsalive" && probe !== undefined) attach(client, { probe });
    client.on("error", (error) => {
      lastError = error.message;
    });
    let settled = false;
    client.once("ready", () => {
      settled = true;
      clients.push(client);
      const local = (client as unknown as { _sock?: { localPort?: number } })._sock?.localPort;
      if (local !== undefined) ports.push(local);
      resolve();
    });
    client.once("close", () => {
      if (!settled) {
        failed++;
        resolve();
      }
    });
    client.connect({
      host: "127.0.0.1",
      port,
      username: "bench",
      password: "bench",
      readyTimeout: 120_000,
      ...(mode === "builtin" && probe !== undefined
        ? { keepaliveInterval: probe.interval, keepaliveCountMax: probe.countMax }
        : {}),
    });
  });
}

/** What one download measured: wall-clock MiB/s, and this process's CPU (user + system, ms) over the transfer. */
export interface DownloadResult {
  readonly rate: number;
  readonly cpuMs: number;
}

/**
 * One download of `bytes` from the server's `bulk` command, tsalive attached or not. Rate and CPU are taken over
 * the same span, from the exec request to the channel's close: the login is not in them.
 */
async function download(port: number, bytes: number, attached: boolean): Promise<DownloadResult> {
  const client = new ssh2.Client();
  if (attached) attach(client, { probe: { interval: 1000, countMax: 3 } });
  try {
    return await new Promise<DownloadResult>((resolve, reject) => {
      client.once("error", reject);
      client.once("ready", () => {
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        client.exec(`bulk ${bytes}`, (error, stream) => {
          if (error !== undefined) return reject(error);
          let received = 0;
          stream.on("data", (chunk: Buffer) => {
            received += chunk.length;
          });
          stream.stderr.resume();
          stream.on("close", () => {
            const seconds = (performance.now() - started) / 1000;
            const cpu = process.cpuUsage(cpuBefore);
            if (received !== bytes) reject(new Error(`received ${received} of ${bytes} bytes`));
            else resolve({ rate: bytes / 1024 / 1024 / seconds, cpuMs: (cpu.user + cpu.system) / 1000 });
          });
        });
      });
      client.connect({ host: "127.0.0.1", port, username: "bench", password: "bench", readyTimeout: 30_000 });
    });
  } finally {
    client.destroy();
  }
}

serveRequests({
  download: (message: WorkerRequest) =>
    download(message.port as number, message.bytes as number, message.attached === true),
  /**
   * Logs in `count` more clients, `concurrency` at a time; once `budget` ms have passed it starts no more and
   * resolves when those under way have settled (`stopped: true`).
   */
  async connect(message: WorkerRequest) {
    const count = message.count as number;
    const concurrency = (message.concurrency as number | undefined) ?? 16;
    const budget = (message.budget as number | undefined) ?? Number.POSITIVE_INFINITY;
    const port = message.port as number;
    const mode = (message.mode as string | undefined) ?? "plain";
    const probe = message.probe as { interval: number; countMax: number } | undefined;
    const started = performance.now();
    let next = 0;
    let stopped = false;
    const lanes = Array.from({ length: concurrency }, async () => {
      while (next < count) {
        if (performance.now() - started > budget) {
          stopped = true;
          return;
        }
        next++;
        await connectOne(port, mode, probe);
      }
    });
    await Promise.all(lanes);
    return { ready: clients.length, failed, elapsed: performance.now() - started, lastError, stopped };
  },
  ports: () => ports,
  windowStart() {
    window = process.cpuUsage();
    return true;
  },
  windowEnd() {
    const cpu = process.cpuUsage(window);
    return (cpu.user + cpu.system) / 1000;
  },
  close() {
    for (const client of clients) client.destroy();
    clients.length = 0;
    return true;
  },
});
