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

/** One download of `bytes` from the server's `bulk` command, tsalive attached or not; MiB/s. */
async function download(port: number, bytes: number, attached: boolean): Promise<number> {
  const client = new ssh2.Client();
  if (attached) attach(client, { probe: { interval: 1000, countMax: 3 } });
  try {
    return await new Promise<number>((resolve, reject) => {
      client.once("error", reject);
      client.once("ready", () => {
        client.exec(`bulk ${bytes}`, (error, stream) => {
          if (error !== undefined) return reject(error);
          let received = 0;
          const started = performance.now();
          stream.on("data", (chunk: Buffer) => {
            received += chunk.length;
          });
          stream.stderr.resume();
          stream.on("close", () => {
            const seconds = (performance.now() - started) / 1000;
            if (received !== bytes) reject(new Error(`received ${received} of ${bytes} bytes`));
            else resolve(bytes / 1024 / 1024 / seconds);
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
  async connect(message: WorkerRequest) {
    const count = message.count as number;
    const concurrency = (message.concurrency as number | undefined) ?? 16;
    const port = message.port as number;
    const mode = (message.mode as string | undefined) ?? "plain";
    const probe = message.probe as { interval: number; countMax: number } | undefined;
    const started = performance.now();
    let next = 0;
    const lanes = Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await connectOne(port, mode, probe);
      }
    });
    await Promise.all(lanes);
    return { ready: clients.length, failed, elapsed: performance.now() - started, lastError };
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
