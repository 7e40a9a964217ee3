/**
 * The integration harness: a `ws` server in this process, a `ws` client in a child process (so it can be frozen),
 * and test-support's fault proxy between them. Both ends log their inbound frames and liveness events; bounds are
 * checked from those logs.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type FaultProxy, type Spawned, spawnProcess, startProxy, waitUntil } from "@tsalive/test-support";
import { type WebSocket, WebSocketServer } from "ws";
import type { WsLiveness, WsOptions } from "../src/index.ts";
import { type LogEntry, watch } from "./_watch.ts";

/** How late a timeout may come after its bound: timer and scheduling latency on a loaded 2-core machine. */
export const LATE_MS = 25;

const PEER = fileURLToPath(new URL("./_peer.ts", import.meta.url));

/** Starts `_peer.ts` with `config` in a child Node process. */
export function spawnPeer(config: object): Spawned {
  return spawnProcess(
    process.execPath,
    ["--conditions=tsalive-source", "--import", "tsx", PEER, JSON.stringify(config)],
    { name: "ws-peer" },
  );
}

/** The JSON lines a peer printed so far. */
export function logOf(peer: Spawned): LogEntry[] {
  return peer.output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogEntry);
}

/** One end of a connection: its log, and, in this process, its socket and handle. */
export interface Pair {
  readonly proxy: FaultProxy;
  readonly server: { readonly log: LogEntry[]; readonly socket: WebSocket; readonly liveness: WsLiveness };
  readonly client: Spawned;
  close(): Promise<void>;
}

/** A server in this process with `serverOptions`, and a client child with `clientOptions`, through a proxy. */
export async function connectPair(serverOptions: WsOptions, clientOptions: WsOptions): Promise<Pair> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const address = wss.address();
  assert.ok(typeof address === "object" && address !== null);
  const proxy = await startProxy({ target: { port: address.port } });
  const log: LogEntry[] = [];
  const connected = new Promise<{ socket: WebSocket; liveness: WsLiveness }>((resolve) => {
    wss.once("connection", (socket) => {
      resolve({ socket, liveness: watch(socket, serverOptions, (entry) => log.push(entry)) });
    });
  });
  const client = spawnPeer({ role: "client", url: `ws://127.0.0.1:${proxy.port}`, options: clientOptions });
  const { socket, liveness } = await connected;
  await client.waitForOutput(/"event":"open"/);
  return {
    proxy,
    server: { log, socket, liveness },
    client,
    async close() {
      socket.terminate();
      await client.stop();
      await proxy.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Asserts that `log` ends in a timeout no earlier than `bound` ms after the last inbound frame before it, and at
 * most {@linkcode LATE_MS} later. Returns how late it was.
 */
export function assertBound(log: readonly LogEntry[], bound: number, what: string): number {
  const timeout = log.find((entry) => entry.event === "timeout");
  assert.ok(timeout, `${what}: no timeout in ${JSON.stringify(log.slice(-8))}`);
  const frames = log.filter((entry) => entry.event === "frame" && entry.at <= timeout.at);
  const last = frames.at(-1);
  assert.ok(last, `${what}: no inbound frame before the timeout`);
  const late = timeout.at - last.at - bound;
  assert.ok(late >= 0, `${what}: timed out ${(-late).toFixed(2)} ms before the bound`);
  assert.ok(late <= LATE_MS, `${what}: timed out ${late.toFixed(2)} ms after the bound (> ${LATE_MS} ms)`);
  return late;
}

/** Waits for `predicate` over `log()`, for at most `timeout` ms. */
export function waitForLog(
  log: () => readonly LogEntry[],
  predicate: (entry: LogEntry) => boolean,
  what: string,
  timeout = 10_000,
): Promise<void> {
  return waitUntil(() => log().some(predicate), { timeout, what });
}
