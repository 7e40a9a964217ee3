/**
 * The browser entry on Node's own global WebSocket (Node 22+, or Node 20 with `--experimental-websocket`), in a
 * child process, against a `ws` server in this process that probes it with app-level messages, through the fault
 * proxy (integration: real time, loopback). A two-way blackhole: both ends time out 900 ms after their last
 * inbound frame, from their own logs, never early and at most 25 ms late.
 */
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { fileURLToPath } from "node:url";
import { spawnProcess, startProxy, stopAll } from "@tsalive/test-support";
import { type WebSocket, WebSocketServer } from "ws";
import type { WsLiveness } from "../src/index.ts";
import { assertBound, logOf, waitForLog } from "./_harness.ts";
import { type LogEntry, watch } from "./_watch.ts";

after(stopAll);

const PROBE = { interval: 300, countMax: 2 };
const BOUND = 900;
const PEER = fileURLToPath(new URL("./_standard_peer.ts", import.meta.url));
const nodeMajor = Number(process.versions.node.split(".")[0]);

it("Node's global WebSocket: pings answered both ways, then a two-way blackhole seen at the bound by both", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const address = wss.address();
  assert.ok(typeof address === "object" && address !== null);
  const proxy = await startProxy({ target: { port: address.port } });
  const log: LogEntry[] = [];
  const connected = new Promise<{ socket: WebSocket; liveness: WsLiveness }>((resolve) => {
    wss.once("connection", (socket) => {
      resolve({ socket, liveness: watch(socket, { probe: PROBE, probeWith: "message" }, (e) => log.push(e)) });
    });
  });
  const flags = nodeMajor < 22 ? ["--experimental-websocket"] : [];
  const client = spawnProcess(
    process.execPath,
    [
      ...flags,
      "--conditions=tsalive-source",
      "--import",
      "tsx",
      PEER,
      `ws://127.0.0.1:${proxy.port}`,
      JSON.stringify({ probe: PROBE }),
    ],
    { name: "standard-ws-peer" },
  );
  try {
    const { liveness } = await connected;
    await client.waitForOutput(/"event":"open"/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(
      logOf(client).some((entry) => entry.kind === '{"tsalive":"pong"}'),
      "the server answers the client",
    );
    assert.ok((liveness.stats().monitor?.replies ?? 0) > 0 || liveness.stats().answeredPings > 0, "and is answered");
    proxy.set("both", { mode: "blackhole" });
    await waitForLog(
      () => log,
      (entry) => entry.event === "timeout",
      "the server's timeout",
      5000,
    );
    await waitForLog(
      () => logOf(client),
      (entry) => entry.event === "timeout",
      "the client's timeout",
      5000,
    );
    t.diagnostic(`server late by ${assertBound(log, BOUND, "server").toFixed(2)} ms`);
    t.diagnostic(`client late by ${assertBound(logOf(client), BOUND, "client").toFixed(2)} ms`);
  } finally {
    await client.stop();
    await proxy.close();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
});
