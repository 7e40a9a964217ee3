/**
 * Heap per idle attached connection. Opens N authenticated, idle ssh2 connections (in-process clients over
 * loopback) to a plain ssh2 Server and to one with tsalive attached (ClientAlive, heartbeat and watchdog on, plus a
 * supervisor per connection), and prints what tsalive adds per connection next to what ssh2 itself costs (both
 * ends, since the clients live in this process too). Run: `pnpm --filter @tsalive/ssh2-server bench`.
 */
import type { AddressInfo } from "node:net";
import { generateKey, makeTempDir } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { attach, SSH2_KEEPALIVE_OFF } from "../src/index.ts";

const N = Number(process.env.TSALIVE_BENCH_CONNECTIONS ?? 400);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

const dir = makeTempDir("tsalive-bench-");
const hostKey = generateKey(dir.join("host_key"));
const clientKey = generateKey(dir.join("client_key"));

function heap(): number {
  for (let i = 0; i < 4; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

async function measure(attached: boolean): Promise<number> {
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey], ...SSH2_KEEPALIVE_OFF });
  const liveness = attached
    ? attach(
        server,
        JSON.parse(process.env.TSALIVE_BENCH_OPTIONS ?? "null") ?? {
          probe: { interval: 15_000, countMax: 3 },
          heartbeat: { interval: 30_000 },
          watchdog: { timeout: 60_000 },
        },
      )
    : undefined;
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
  await connect(); // warm up before the baseline
  const before = heap();
  for (let i = 1; i < N; i += 50) await Promise.all(Array.from({ length: Math.min(50, N - i) }, connect));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const perConnection = (heap() - before) / (N - 1);
  for (const client of clients) client.end();
  await new Promise((resolve) => setTimeout(resolve, 300));
  liveness?.detach();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return perConnection;
}

// Alternate to average out drift; the first round is a warm-up.
await measure(false);
const plain: number[] = [];
const withTsalive: number[] = [];
for (let round = 0; round < 2; round++) {
  plain.push(await measure(false));
  withTsalive.push(await measure(true));
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const ssh2Cost = mean(plain);
const attachedCost = mean(withTsalive);
console.log(`idle connections per run: ${N} (client and server ends in this process)`);
console.log(`ssh2 alone:     ${(ssh2Cost / 1024).toFixed(1)} KiB per connection`);
console.log(`ssh2 + tsalive: ${(attachedCost / 1024).toFixed(1)} KiB per connection`);
console.log(
  `tsalive adds:   ${((attachedCost - ssh2Cost) / 1024).toFixed(2)} KiB per connection (${(((attachedCost - ssh2Cost) / ssh2Cost) * 100).toFixed(1)}% of ssh2's)`,
);
dir.remove();
