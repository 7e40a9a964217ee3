/**
 * The fault matrix, tsalive as the server (integration, real time over loopback). Real clients (OpenSSH `ssh`,
 * Dropbear `dbclient`) and a scripted ssh2 client log in through test-support's fault proxy; each cell checks what
 * tsalive does: dead at last-inbound + (C+1)·I, never earlier and at most 50 ms later, timed from ssh2's own
 * packet log (not the monitor's clock); no false death on a slow link or a throttled upload; a clean end, with
 * the session's processes stopped and no verdict, on a reset, on a malformed packet and on a close while a probe
 * is out.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type Ssh2Protocol, sendPacket } from "@tsalive/ssh2-layer";
import { isRunning, startCorruptingRelay, stopAll, waitUntil } from "@tsalive/test-support";
import { Client } from "ssh2";
import { CLIENTS, type LoggedIn, logIn, sleep } from "./_clients.ts";
import { type Cell, withServer } from "./_fault_cell.ts";
import type { TestServer } from "./_server.ts";

after(stopAll);

const INTERVAL = 500;
const COUNT_MAX = 2;
const BOUND = (COUNT_MAX + 1) * INTERVAL;
/** The upper end of every bound: timer lateness plus one event-loop turn on this machine. */
const LATE = 50;

/** Waits for `count` answered probes on the connection, so the link is known good before the fault. */
async function healthy(loggedIn: LoggedIn, count = 2, interval = INTERVAL): Promise<void> {
  await waitUntil(() => (loggedIn.liveness.stats().monitor?.replies ?? 0) >= count, {
    timeout: 20 * interval,
    what: `${count} probe replies`,
  });
}

const closedOf = (loggedIn: LoggedIn): Promise<number> =>
  new Promise((resolve) => loggedIn.connection.once("close", () => resolve(performance.now())));

/** Asserts one death at last-inbound + BOUND (no earlier, at most LATE later), the close, and processes gone. */
async function expectDeathAtBound(cell: Cell, loggedIn: LoggedIn): Promise<string> {
  const groups = loggedIn.liveness.supervisor.pids;
  const closedAt = await closedOf(loggedIn);
  const death = cell.timeouts[0];
  assert.ok(death !== undefined, "no timeout");
  assert.equal(cell.timeouts.length, 1);
  const silence = death.at - cell.log.lastInbound();
  assert.ok(silence >= BOUND - 1, `dead after ${silence.toFixed(1)} ms of silence, before the bound ${BOUND} ms`);
  assert.ok(silence <= BOUND + LATE, `dead after ${silence.toFixed(1)} ms of silence, bound ${BOUND} + ${LATE} ms`);
  assert.ok(closedAt - death.at < LATE, `'close' ${(closedAt - death.at).toFixed(1)} ms after the timeout`);
  assert.equal(death.error.code, "ALIVE_TIMEOUT");
  assert.match(death.error.message, /^Timeout, client not responding from user tester 127\.0\.0\.1 port [0-9]+$/);
  await waitUntil(() => groups.every((pid) => !isRunning(pid)), { timeout: 2000, what: "the session to stop" });
  return `dead ${silence.toFixed(1)} ms after the last packet (bound ${BOUND} ms)`;
}

/** Asserts a clean end within `within` ms: closed, processes stopped, no verdict then or later, monitor stopped. */
async function expectCleanEnd(cell: Cell, loggedIn: LoggedIn, closed: Promise<number>, within: number): Promise<void> {
  const groups = loggedIn.liveness.supervisor.pids;
  const started = performance.now();
  const closedAt = await Promise.race([closed, sleep(within + 2000).then(() => Number.NaN)]);
  assert.ok(!Number.isNaN(closedAt), `no 'close' within ${within + 2000} ms`);
  assert.ok(closedAt - started <= within, `'close' came ${(closedAt - started).toFixed(0)} ms after the fault`);
  await waitUntil(() => groups.every((pid) => !isRunning(pid)), { timeout: 2000, what: "the session to stop" });
  await sleep(BOUND + 100);
  assert.deepEqual(cell.timeouts, [], "no liveness timeout after the connection ended");
  const state = loggedIn.liveness.stats().monitor?.state;
  assert.ok(state === undefined || state === "stopped", `monitor state ${state}`);
}

for (const client of CLIENTS) {
  describe(`fault matrix, tsalive server against ${client.name}`, { skip: client.skip }, () => {
    const login = (cell: Cell): Promise<LoggedIn> =>
      logIn(cell.test, () => client.start(cell.test, "echo ready; exec sleep 60", { port: cell.proxy.port }));

    it("one-way blackhole, client to server: death at (C+1)·I after the last packet that got through", async (t) => {
      await withServer(async (cell) => {
        const loggedIn = await login(cell);
        try {
          await healthy(loggedIn);
          cell.proxy.set("up", { mode: "blackhole" });
          t.diagnostic(await expectDeathAtBound(cell, loggedIn));
        } finally {
          await loggedIn.client.stop(500);
        }
      });
    });

    it("one-way blackhole, server to client: the probes never arrive, death at (C+1)·I", async (t) => {
      await withServer(async (cell) => {
        const loggedIn = await login(cell);
        try {
          await healthy(loggedIn);
          cell.proxy.set("down", { mode: "blackhole" });
          t.diagnostic(await expectDeathAtBound(cell, loggedIn));
        } finally {
          await loggedIn.client.stop(500);
        }
      });
    });

    it("a TCP RST ends the connection at once: processes stopped, no verdict", async () => {
      await withServer(async (cell) => {
        const loggedIn = await login(cell);
        try {
          await healthy(loggedIn, 1);
          const closed = closedOf(loggedIn);
          cell.proxy.reset();
          await expectCleanEnd(cell, loggedIn, closed, 200);
        } finally {
          await loggedIn.client.stop(500);
        }
      });
    });

    it("a 300 ms-RTT link at I = 1 s, C = 1 is no death", async (t) => {
      await withServer(
        async (cell) => {
          const loggedIn = await login(cell);
          try {
            await sleep(5500);
            assert.deepEqual(cell.timeouts, [], "no false death");
            const stats = loggedIn.liveness.stats().monitor;
            assert.ok((stats?.replies ?? 0) >= 3, `replies ${stats?.replies}`);
            assert.ok((stats?.rtt?.min ?? 0) >= 300 - 5, `RTT min ${stats?.rtt?.min} ms over a 300 ms link`);
            t.diagnostic(
              `RTT ${stats?.rtt?.min.toFixed(1)}–${stats?.rtt?.max.toFixed(1)} ms, ${stats?.replies} replies`,
            );
          } finally {
            await loggedIn.client.stop(500);
          }
        },
        { interval: 1000, countMax: 1, delay: 150 },
      );
    });

    it("a close while a probe is out (the client frozen, then killed): no verdict, processes stopped", async () => {
      await withServer(async (cell) => {
        const loggedIn = await login(cell);
        try {
          await healthy(loggedIn, 1);
          loggedIn.client.freeze();
          await waitUntil(() => (loggedIn.liveness.stats().monitor?.unansweredProbes ?? 0) >= 1, {
            timeout: 3 * INTERVAL,
            what: "a probe to the frozen client",
          });
          const closed = closedOf(loggedIn);
          process.kill(loggedIn.client.pid, "SIGKILL");
          await expectCleanEnd(cell, loggedIn, closed, 200);
        } finally {
          loggedIn.client.thaw();
          await loggedIn.client.stop(500);
        }
      });
    });
  });
}

type ClientHandlers = Record<string, ((...args: unknown[]) => unknown) | undefined>;

/** A plain ssh2 Client (no tsalive) whose answers to the server's probes the test scripts. */
async function scriptedClient(
  test: TestServer,
  port: number,
  script: (handlers: ClientHandlers, send: (type: number, body: Buffer) => void) => void,
): Promise<{ readonly client: Client; readonly loggedIn: LoggedIn }> {
  const seen = test.connections.length;
  const client = new Client();
  client.on("error", () => {});
  const ready = new Promise<void>((resolve) => client.once("ready", () => resolve()));
  client.connect({ host: "127.0.0.1", port, username: "tester", privateKey: test.key.privateKey });
  await ready;
  const protocol = (
    client as unknown as {
      _protocol: {
        _handlers: ClientHandlers;
        _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(p: Buffer): Buffer } };
      };
    }
  )._protocol;
  script(protocol._handlers, (type, body) => {
    const writer = protocol._packetRW.write;
    const packet = writer.alloc(1 + body.length);
    packet[writer.allocStart] = type;
    packet.set(body, writer.allocStart + 1);
    sendPacket(protocol as unknown as Ssh2Protocol, writer.finalize(packet));
  });
  const channel = await new Promise<unknown>((resolve, reject) =>
    client.exec("sleep 60", (error, stream) => (error ? reject(error) : resolve(stream))),
  );
  void channel;
  await waitUntil(() => test.connections.length > seen, { timeout: 5000, what: "the server's connection" });
  const connection = test.connections[seen];
  assert.ok(connection !== undefined);
  const liveness = test.liveness.of(connection);
  assert.ok(liveness !== undefined);
  await waitUntil(() => liveness.supervisor.size > 0, { timeout: 5000, what: "the command to start" });
  const stub = { pid: 0, freeze() {}, thaw() {}, stop: async () => {} } as unknown as LoggedIn["client"];
  return { client, loggedIn: { client: stub, connection, liveness } };
}

describe("fault matrix, tsalive server against a scripted ssh2 client", () => {
  it("a client that never answers keepalives: death at (C+1)·I after its last packet", async (t) => {
    await withServer(async (cell) => {
      const { client, loggedIn } = await scriptedClient(cell.test, cell.proxy.port, (handlers) => {
        // Swallow the server's probes, global and on the channel: nothing comes back.
        handlers.GLOBAL_REQUEST = () => {};
        handlers.CHANNEL_REQUEST = () => {};
      });
      try {
        t.diagnostic(await expectDeathAtBound(cell, loggedIn));
      } finally {
        client.destroy();
      }
    });
  });

  it("a client that answers with the wrong message type (UNIMPLEMENTED): inbound traffic, so no death", async () => {
    await withServer(async (cell) => {
      let seq = 0;
      const { client, loggedIn } = await scriptedClient(cell.test, cell.proxy.port, (handlers, send) => {
        const unimplemented = (): void => {
          const body = Buffer.alloc(4);
          body.writeUInt32BE(seq++);
          send(3, body);
        };
        handlers.GLOBAL_REQUEST = unimplemented;
        handlers.CHANNEL_REQUEST = unimplemented;
      });
      try {
        await sleep(3 * BOUND);
        assert.deepEqual(cell.timeouts, [], "any inbound packet resets the count, as in OpenSSH's sshd");
        assert.ok((loggedIn.liveness.stats().monitor?.probesSent ?? 0) >= 4);
        assert.ok(seq >= 4, `the client answered ${seq} probes with UNIMPLEMENTED`);
      } finally {
        client.destroy();
      }
    });
  });
});

describe("fault matrix, malformed packets from the client", () => {
  for (const client of CLIENTS) {
    it(`a corrupted packet from ${client.name} is a clean error: closed at once, processes stopped`, {
      skip: client.skip,
    }, async () => {
      await withServer(async (cell) => {
        const relay = await startCorruptingRelay({ target: { port: cell.test.port }, direction: "up" });
        const loggedIn = await logIn(cell.test, () =>
          client.start(cell.test, "echo ready; exec sleep 60", { port: relay.port }),
        );
        try {
          await healthy(loggedIn, 1);
          const closed = closedOf(loggedIn);
          relay.arm();
          // The client's next reply to a probe arrives corrupted: ssh2 fails its MAC or padding check.
          await expectCleanEnd(cell, loggedIn, closed, 2 * INTERVAL + LATE);
          assert.ok(cell.test.errors.length > 0, "ssh2 reported the bad packet");
        } finally {
          await loggedIn.client.stop(500);
          await relay.close();
        }
      });
    });
  }
});
