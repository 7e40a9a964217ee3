/**
 * 500 connections attached, used and closed in a loop leave nothing behind (integration, in-process ssh2 Client and
 * Server over loopback): no timers in core's shared heap or in the runtime, no listeners on the server, its
 * net.Server or the handle, no open handles, no child processes. Every mechanism is on, each connection runs a
 * supervised command.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { defaultTimers } from "@tsalive/core";
import { descendantsOf, stopAll, waitUntil } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

const CONNECTIONS = 500;
const BATCH = 25;

async function useOnce(test: TestServer): Promise<void> {
  const client = new ssh2.Client();
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port: test.port, username: "tester", privateKey: test.key.privateKey });
  });
  await new Promise<void>((resolve, reject) => {
    client.exec("true", (error, stream) => {
      if (error) return reject(error);
      stream.resume();
      stream.once("close", () => resolve());
    });
  });
  client.end();
  await closed;
}

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

function snapshot(test: TestServer) {
  const server = test.server;
  const net = (server as unknown as { _srv: NodeJS.EventEmitter })._srv;
  const listeners: Record<string, number> = {};
  for (const name of server.eventNames()) listeners[`server:${String(name)}`] = server.listenerCount(name);
  for (const name of net.eventNames()) listeners[`net:${String(name)}`] = net.listenerCount(name);
  return {
    sharedTimers: defaultTimers().size,
    resources: resources(),
    listeners,
    handleListeners: test.liveness.listenerCount(),
    open: test.liveness.stats().open,
    children: descendantsOf(process.pid).length,
  };
}

describe("500 connections in a loop", () => {
  it("leave no timers, listeners, handles or child processes behind", { timeout: 150_000 }, async (t) => {
    const test = await startTestServer({
      probe: { interval: 1000, countMax: 3 },
      heartbeat: { interval: 1000 },
      watchdog: { timeout: 10_000 },
      unusedConnectionTimeout: 10_000,
      channelTimeout: { "session:*": 10_000 },
      killGrace: 500,
    });
    let closes = 0;
    test.liveness.on("close", () => closes++);
    try {
      // Warm up (lazy module state, the first key exchange), then measure.
      for (let i = 0; i < 5; i++) await useOnce(test);
      await waitUntil(() => closes === 5, { timeout: 5000, what: "warm-up connections to close" });
      const before = snapshot(test);
      const startedAt = performance.now();
      for (let done = 0; done < CONNECTIONS; done += BATCH) {
        await Promise.all(Array.from({ length: BATCH }, () => useOnce(test)));
      }
      await waitUntil(() => closes === 5 + CONNECTIONS, { timeout: 10_000, what: "every connection to close" });
      // Sockets close in the next turns; give the runtime a moment to drop their handles.
      await waitUntil(() => JSON.stringify(snapshot(test)) === JSON.stringify(before), {
        timeout: 5000,
        what: "the resources to return to the baseline",
      }).catch(() => {});
      const afterwards = snapshot(test);
      t.diagnostic(`${CONNECTIONS} connections in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
      t.diagnostic(`before ${JSON.stringify(before)}`);
      t.diagnostic(`after  ${JSON.stringify(afterwards)}`);
      assert.deepEqual(afterwards, before);
      assert.equal(test.liveness.stats().accepted, 5 + CONNECTIONS);
      assert.equal(test.liveness.stats().timeouts, 0);
    } finally {
      await test.close();
    }
  });
});
