/**
 * Soak (integration, real time over loopback, in one process): 2,000 connect/disconnect cycles of an ssh2 Client
 * with @tsalive/ssh2-client attached against an ssh2 Server with @tsalive/ssh2-server attached, a few at a time,
 * every tenth cycle also running a command. After the cycles nothing may have grown: pending shared timers, active
 * handles and requests by type, listeners on the server and on tsalive's handle, open connections, child processes.
 */
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { defaultTimers } from "@tsalive/core";
import { attach } from "@tsalive/ssh2-client";
import { childrenOf, generateKey, makeTempDir, stopAll, waitUntil } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { startBenchServer } from "../src/ssh2_server.ts";

after(stopAll);

const CYCLES = 2000;
/** Each cycle spends ≈ 200 ms waiting on the network (logins and closes), little of it on the CPU. */
const AT_ONCE = 16;
const WARM_UP = 200;
/** The whole soak must end within this, on a slow shared 2-core machine. */
const BUDGET = 90_000;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

function handles(): number {
  return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
}

async function cycle(port: number, withCommand: boolean): Promise<void> {
  const client = new ssh2.Client();
  const liveness = attach(client, { probe: { interval: 1000, countMax: 3 }, heartbeat: { interval: 1000 } });
  await new Promise<void>((resolve, reject) => {
    client.once("error", reject);
    client.once("close", () => resolve());
    client.once("ready", () => {
      if (!withCommand) return client.end();
      client.exec("bulk 65536", (error, stream) => {
        if (error !== undefined) return reject(error);
        stream.resume();
        stream.stderr.resume();
        stream.on("close", () => client.end());
      });
    });
    client.connect({ host: "127.0.0.1", port, username: "bench", password: "bench", readyTimeout: 20_000 });
  });
  assert.equal(liveness.stats().timeouts, 0);
  liveness.detach();
}

async function settle(server: { records: Set<{ closedAt: number | undefined }> }): Promise<void> {
  await waitUntil(() => [...server.records].every((record) => record.closedAt !== undefined), {
    timeout: 10_000,
    what: "every server-side connection to close",
  });
  // Let closed sockets' handles and the shared timer heap drain.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

it(`${CYCLES} connect/disconnect cycles leave no timers, handles, listeners or processes behind`, {
  timeout: BUDGET + 30_000,
}, async (t) => {
  const dir = makeTempDir("tsalive-soak-");
  const hostKey = generateKey(dir.join("host_key"));
  const server = await startBenchServer({
    kind: "tsalive",
    hostKey: hostKey.privateKey,
    probe: { interval: 1000, countMax: 3 },
  });
  const liveness = server.liveness;
  assert.ok(liveness !== undefined);
  const started = performance.now();
  let done = 0;
  const run = async (count: number): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        while (next < count) {
          next++;
          await cycle(server.port, (done + next) % 10 === 0);
        }
      }),
    );
    done += count;
  };

  await run(WARM_UP);
  await settle(server);
  server.records.clear();
  const before = {
    timers: defaultTimers().size,
    resources: resources(),
    handles: handles(),
    serverListeners: server.server.eventNames().map((name) => [name, server.server.listenerCount(name)]),
    tsaliveListeners: liveness.listenerCount(),
    children: childrenOf(process.pid).length,
    open: liveness.stats().open,
  };

  await run(CYCLES - WARM_UP);
  await settle(server);
  const elapsed = performance.now() - started;
  t.diagnostic(`${CYCLES} cycles in ${(elapsed / 1000).toFixed(1)} s; ${liveness.stats().accepted} accepted`);
  assert.ok(elapsed < BUDGET, `the soak took ${elapsed.toFixed(0)} ms, over its ${BUDGET} ms budget`);
  assert.equal(liveness.stats().accepted, CYCLES);
  assert.equal(liveness.stats().timeouts, 0, "no connection timed out");
  assert.equal(liveness.stats().open, before.open, "open connections");
  assert.equal(defaultTimers().size, before.timers, "pending timeouts in core's shared timers");
  assert.deepEqual(resources(), before.resources, "active resources by type");
  assert.equal(handles(), before.handles, "active handles");
  assert.deepEqual(
    server.server.eventNames().map((name) => [name, server.server.listenerCount(name)]),
    before.serverListeners,
    "listeners on the ssh2 Server",
  );
  assert.equal(liveness.listenerCount(), before.tsaliveListeners, "listeners on tsalive's server handle");
  assert.equal(childrenOf(process.pid).length, before.children, "child processes");
  await server.close();
  dir.remove();
});
