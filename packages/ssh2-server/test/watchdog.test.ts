/**
 * The watchdog against real clients (integration, real time over loopback, reading the process table): a silent
 * client's whole process tree is gone within WatchdogTimeout + the kill grace, before the connection is closed, and
 * a client that stalls before authenticating is closed too. The frozen clients are the ssh and dbclient of every
 * peer generation.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import {
  descendantsOf,
  GENERATIONS,
  isRunning,
  listProcesses,
  type ProcessEntry,
  startProxy,
  stopAll,
  waitUntil,
  withTimeout,
} from "@tsalive/test-support";
import type { ServerTimeoutError, StoppedProcess } from "../src/index.ts";
import { CLIENTS, clientsOf, logIn, sleep } from "./_clients.ts";
import { startTestServer } from "./_server.ts";

after(stopAll);

const WATCHDOG = 2000;
const GRACE = 500;
/** Lateness allowed on a slow, noisy 2-core machine. */
const LATE = 800;
/**
 * A tree of three processes in the command's group, one of which ignores SIGHUP and so needs the SIGKILL that
 * follows the grace period.
 */
const TREE = `echo ready; sh -c 'sleep 600 & (trap "" HUP; exec sleep 601) & exec sleep 602'`;
const SLEEPS = /^sleep 60[012]$/;

function sleepsOf(table: readonly ProcessEntry[]): ProcessEntry[] {
  return table.filter((entry) => SLEEPS.test(entry.args));
}

describe("Watchdog against real clients", () => {
  for (const generation of GENERATIONS) {
    describe(generation, () => {
      for (const peer of clientsOf(generation)) {
        it(`${peer.name} frozen: the whole remote process tree is gone within WatchdogTimeout + grace`, {
          skip: peer.skip,
        }, async (t) => {
          const test = await startTestServer({ watchdog: { timeout: WATCHDOG }, killGrace: GRACE });
          const loggedIn = await logIn(test, () => peer.start(test, TREE));
          const { liveness, connection } = loggedIn;
          try {
            await waitUntil(() => sleepsOf(descendantsOf(process.pid)).length === 3, {
              timeout: 5000,
              what: "the three sleeps to start",
            });
            const tree = sleepsOf(descendantsOf(process.pid));
            const [group] = liveness.supervisor.pids;
            assert.ok(group !== undefined);
            assert.ok(
              tree.every((entry) => entry.pgid === group),
              "the command runs in a process group of its own",
            );
            // Everything the session runs: the shells and the three sleeps, all in the command's group.
            const session = listProcesses().filter((entry) => entry.pgid === group && entry.stat !== "Z");
            const expired = new Promise<{ error: ServerTimeoutError; at: number }>((resolve) =>
              liveness.on("timeout", (error) => resolve({ error, at: performance.now() })),
            );
            const reported = new Promise<readonly StoppedProcess[]>((resolve) =>
              liveness.on("watchdog", ({ stopped }) => resolve(stopped)),
            );
            const closed = new Promise<readonly StoppedProcess[]>((resolve) =>
              liveness.on("close", ({ stopped }) => resolve(stopped)),
            );
            let closedAt = Number.NaN;
            connection.once("close", () => {
              closedAt = performance.now();
            });
            await sleep(200);
            loggedIn.client.freeze();
            await sleep(100);
            // Silence is timed from the test's own log of the socket's bytes, not from the monitor's lastInboundAt.
            const arrived = test.inbound(connection);
            const lastInboundAt = arrived.at(-1) ?? Number.NaN;
            const { error, at } = await expired;
            assert.equal(test.inbound(connection).length, arrived.length, "nothing arrived after the freeze");
            assert.equal(error.code, "WATCHDOG_EXPIRED");
            assert.ok(at - lastInboundAt >= WATCHDOG - 1, `expired after ${(at - lastInboundAt).toFixed(0)} ms`);
            // Read the process table until every process of the tree is gone.
            await waitUntil(() => tree.every((entry) => !isRunning(entry.pid)), {
              timeout: GRACE + 3000,
              interval: 10,
              what: "the process tree to be gone",
            });
            const goneAt = performance.now();
            const tookFromSilence = goneAt - lastInboundAt;
            t.diagnostic(
              `watchdog expired ${(at - lastInboundAt).toFixed(1)} ms after the last packet; tree gone after ${tookFromSilence.toFixed(1)} ms (bound ${WATCHDOG + GRACE} ms)`,
            );
            assert.ok(
              tookFromSilence <= WATCHDOG + GRACE + LATE,
              `tree gone ${tookFromSilence.toFixed(0)} ms after silence`,
            );
            // Nothing of the group is left anywhere in the process table (orphans were reparented, not spared).
            const survivors = listProcesses().filter((entry) => entry.pgid === group && entry.stat !== "Z");
            assert.deepEqual(survivors, [], "no process of the group survives");
            await waitUntil(() => !Number.isNaN(closedAt), { timeout: 3000, what: "the connection to close" });
            assert.ok(closedAt >= goneAt - 20, "the connection closes after its processes are gone");
            // The watchdog's event names exactly the processes it stopped, and the close repeats them.
            const stopped = await withTimeout(reported, 1000, "the watchdog event");
            assert.deepEqual(
              stopped.map((entry) => `${entry.pid} ${entry.command}`).sort(),
              session.map((entry) => `${entry.pid} ${entry.args}`).sort(),
            );
            assert.equal(stopped.find((entry) => entry.command === "sleep 601")?.signal, "SIGKILL");
            assert.deepEqual(await withTimeout(closed, 3000, "the close event"), stopped);
          } finally {
            loggedIn.client.thaw();
            await loggedIn.client.stop(500);
            await test.close();
          }
        });
      }
    });
  }

  it("a TCP client that never sends its identification is closed at WatchdogTimeout after the accept", async () => {
    const test = await startTestServer({ watchdog: { timeout: 1500 } });
    try {
      const startedAt = performance.now();
      const socket = connect({ host: "127.0.0.1", port: test.port });
      const closedAt = await closeTime(socket);
      const took = closedAt - startedAt;
      assert.ok(took >= 1500 - 50 && took <= 1500 + LATE, `closed after ${took.toFixed(0)} ms`);
    } finally {
      await test.close();
    }
  });

  it("a client that stalls in the key exchange (identification sent, nothing more) is closed", async () => {
    const test = await startTestServer({ watchdog: { timeout: 1500 } });
    try {
      const socket = connect({ host: "127.0.0.1", port: test.port });
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write("SSH-2.0-tsalive_stall\r\n");
      const sentAt = performance.now();
      let received = 0;
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      const closedAt = await closeTime(socket);
      const took = closedAt - sentAt;
      assert.ok(received > 0, "the server answered with its identification and KEXINIT");
      assert.ok(took >= 1500 - 50 && took <= 1500 + LATE, `closed after ${took.toFixed(0)} ms`);
    } finally {
      await test.close();
    }
  });

  it("ssh behind a proxy that never delivers its bytes is closed before authenticating", {
    skip: CLIENTS[0]?.skip,
  }, async () => {
    const test = await startTestServer({ watchdog: { timeout: 1500 } });
    const proxy = await startProxy({ target: { port: test.port }, up: { mode: "blackhole" } });
    const ssh = CLIENTS[0];
    assert.ok(ssh);
    const timeouts: ServerTimeoutError[] = [];
    test.liveness.on("timeout", ({ payload }) => timeouts.push(payload));
    const client = ssh.start(test, "true", { port: proxy.port });
    try {
      await waitUntil(() => timeouts.length === 1, { timeout: 1500 + 3000, what: "the watchdog" });
      const [error] = timeouts;
      assert.equal(error?.code, "WATCHDOG_EXPIRED");
      assert.equal(error?.peer.user, undefined, "never authenticated");
      assert.match(error?.message ?? "", /^Watchdog timeout, no data from 127\.0\.0\.1 port \d+$/);
      await waitUntil(() => test.liveness.stats().open === 0, { timeout: 3000, what: "the connection to close" });
      assert.equal(test.connections.length, 0, "ssh2 never saw an identification line");
    } finally {
      await client.stop(500);
      await proxy.close();
      await test.close();
    }
  });
});

function closeTime(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    socket.on("error", () => {});
    socket.resume(); // read the server's identification, so its FIN is seen
    socket.once("close", () => resolve(performance.now()));
  });
}
