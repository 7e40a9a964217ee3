/// <reference lib="deno.ns" />
/**
 * The browser entry over Deno's own WebSocket against a `ws` server in a Node child process (integration: real
 * time, loopback). Run by `pnpm test:deno` (`deno test`); the Node suites skip this folder. The page-side bound
 * is checked as in Chromium: 900 ms after the last inbound message, never early, at most 25 ms late.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { attach, PONG_MESSAGE } from "../../src/browser.ts";

const BOUND = 900;
const LATE_MS = 25;
const PEER = new URL("../_peer.ts", import.meta.url).pathname;
const now = (): number => performance.timeOrigin + performance.now();

test("Deno's WebSocket: pings answered by the Node server, then a frozen server detected at the bound", async () => {
  const server = new Deno.Command("node", {
    args: ["--conditions=tsalive-source", "--import", "tsx", PEER, JSON.stringify({ role: "server", options: {} })],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    let port: string | undefined;
    const deadline = Date.now() + 15_000;
    while (port === undefined && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      output += value;
      port = /"event":"ready","at":[\d.]+,"port":(\d+)/.exec(output)?.[1];
    }
    assert.ok(port, `the server never printed its port: ${output}`);
    reader.releaseLock();
    server.stdout.cancel().catch(() => {});

    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    const log: { event: string; kind?: string; at: number }[] = [];
    socket.addEventListener("message", (event) => log.push({ event: "frame", kind: String(event.data), at: now() }));
    const liveness = attach(socket, { probe: { interval: 300, countMax: 2 } });
    const timedOut = new Promise<void>((resolve) => {
      liveness.on("timeout", () => {
        log.push({ event: "timeout", at: now() });
        resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(
      log.some((entry) => entry.kind === PONG_MESSAGE),
      "the Node server answers app-level pings",
    );
    assert.ok((liveness.stats().monitor?.rtt?.samples ?? 0) > 0);
    Deno.kill(server.pid, "SIGSTOP");
    const guard = setTimeout(() => {}, 5000);
    await Promise.race([timedOut, new Promise((resolve) => setTimeout(resolve, 5000))]);
    clearTimeout(guard);
    const timeout = log.find((entry) => entry.event === "timeout");
    assert.ok(timeout, "the page-side monitor timed out");
    const last = log.filter((entry) => entry.event === "frame" && entry.at <= timeout.at).at(-1);
    assert.ok(last);
    const late = timeout.at - last.at - BOUND;
    assert.ok(late >= 0 && late <= LATE_MS, `timed out ${late.toFixed(2)} ms after the bound`);
    console.log(`deno: late by ${late.toFixed(2)} ms`);
    await new Promise<void>((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) resolve();
      else socket.addEventListener("close", () => resolve());
      setTimeout(resolve, 1000);
    });
  } finally {
    Deno.kill(server.pid, "SIGCONT");
    Deno.kill(server.pid, "SIGKILL");
    await server.status;
  }
});
