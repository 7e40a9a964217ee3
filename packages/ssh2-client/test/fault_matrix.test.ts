/**
 * The fault matrix, tsalive as the client (integration, real time over loopback). Each cell puts a real server
 * (OpenSSH sshd, Dropbear) or a scripted ssh2 server behind test-support's fault proxy and checks what tsalive
 * does: dead at last-inbound + (C+1)·I, never earlier and at most 50 ms later, timed from ssh2's own packet log
 * (not the monitor's clock); no false death on a slow link; a clean end, with no timer left, on a reset, on
 * malformed packets and on a close while a probe is out.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import {
  type FaultProxy,
  generateHostKey,
  startCorruptingRelay,
  startProxy,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";
import ssh2, { Client, type Connection } from "ssh2";
import protocolUtils from "ssh2/lib/protocol/utils.js";
import { attach, type ClientLiveness } from "../src/index.ts";
import { PEERS, type Peer, sleep } from "./_peers.ts";

after(stopAll);

const INTERVAL = 500;
const COUNT_MAX = 2;
const BOUND = (COUNT_MAX + 1) * INTERVAL;
/** The upper end of every bound: timer lateness plus one event-loop turn on this machine. */
const LATE = 50;

/** When ssh2 decrypted the last packet, from its debug output: the test's own clock of inbound traffic. */
function packetLog(): { debug: (message: string) => void; lastInbound: () => number; inbound: () => number } {
  let last = Number.NaN;
  let count = 0;
  return {
    debug(message) {
      if (message.startsWith("Inbound:")) {
        last = performance.now();
        count++;
      }
    },
    lastInbound: () => last,
    inbound: () => count,
  };
}

interface Run {
  readonly client: Client;
  readonly liveness: ClientLiveness;
  readonly log: ReturnType<typeof packetLog>;
  readonly ready: Promise<void>;
  readonly closed: Promise<number>;
  readonly errors: Error[];
  readonly timeouts: number[];
}

/** Connects through `port` (a proxy's) with tsalive attached, probing at I = `interval`, C = `countMax`. */
function run(
  port: number,
  user: string,
  privateKey: string | undefined,
  interval = INTERVAL,
  countMax = COUNT_MAX,
  readyTimeout = 10_000,
): Run {
  const client = new Client();
  const liveness = attach(client, { probe: { interval, countMax }, host: "matrix.test" });
  const log = packetLog();
  const errors: Error[] = [];
  const timeouts: number[] = [];
  client.on("error", (error) => errors.push(error));
  liveness.on("timeout", () => timeouts.push(performance.now()));
  const ready = new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("close", () => reject(new Error(`closed before ready: ${errors.map((e) => e.message).join("; ")}`)));
  });
  ready.catch(() => {});
  const closed = new Promise<number>((resolve) => client.once("close", () => resolve(performance.now())));
  client.connect({
    host: "127.0.0.1",
    port,
    username: user,
    ...(privateKey !== undefined && { privateKey }),
    readyTimeout,
    debug: log.debug,
  });
  return { client, liveness, log, ready, closed, errors, timeouts };
}

/** Waits until `count` probes were answered, so the link is known good before the fault. */
async function healthy(r: Run, count = 2): Promise<void> {
  await waitUntil(() => (r.liveness.stats().monitor?.replies ?? 0) >= count, {
    timeout: 20 * INTERVAL,
    what: `${count} probe replies`,
  });
}

/** Asserts the death came at last-inbound + `bound`, no earlier and at most LATE later, and the close at once. */
async function expectDeathAtBound(r: Run, bound = BOUND): Promise<string> {
  const closedAt = await r.closed;
  const at = r.timeouts[0];
  assert.ok(at !== undefined, `no timeout; errors: ${r.errors.map((e) => e.message).join("; ")}`);
  assert.equal(r.timeouts.length, 1);
  const silence = at - r.log.lastInbound();
  // The monitor keeps whole milliseconds rounded up: its deadline may read up to 1 ms before the exact one.
  assert.ok(silence >= bound - 1, `dead after ${silence.toFixed(1)} ms of silence, before the bound ${bound} ms`);
  assert.ok(silence <= bound + LATE, `dead after ${silence.toFixed(1)} ms of silence, bound ${bound} + ${LATE} ms`);
  assert.ok(closedAt - at < LATE, `'close' ${(closedAt - at).toFixed(1)} ms after the timeout`);
  assert.equal(r.errors[0]?.message, "Timeout, server matrix.test not responding.");
  assert.equal(r.liveness.stats().monitor?.state, "expired");
  return `dead ${silence.toFixed(1)} ms after the last packet (bound ${bound} ms)`;
}

/** Asserts a clean end with no liveness verdict: closed, no timeout, the monitor stopped, no timer of ours left. */
async function expectCleanEnd(r: Run, within: number): Promise<void> {
  const started = performance.now();
  const closedAt = await Promise.race([r.closed, sleep(within + 2000).then(() => Number.NaN)]);
  assert.ok(!Number.isNaN(closedAt), `no 'close' within ${within + 2000} ms`);
  assert.ok(closedAt - started <= within, `'close' came ${(closedAt - started).toFixed(0)} ms after the fault`);
  // A verdict due later must not fire after the end either.
  await sleep(BOUND + 100);
  assert.deepEqual(r.timeouts, [], "no liveness timeout after the connection ended");
  const state = r.liveness.stats().monitor?.state;
  assert.ok(state === undefined || state === "stopped", `monitor state ${state}`);
}

interface Target {
  readonly name: string;
  readonly skip: string | false;
  start(): Promise<Peer>;
}

const TARGETS: readonly Target[] = PEERS.map((peer) => ({
  name: peer.name,
  skip: peer.skip,
  start: () => peer.start(),
}));

for (const target of TARGETS) {
  describe(`fault matrix, tsalive client against ${target.name}`, { skip: target.skip }, () => {
    const withProxy = async (
      body: (proxy: FaultProxy, r: Run) => Promise<void>,
      { interval = INTERVAL, countMax = COUNT_MAX, delay = 0 } = {},
    ): Promise<void> => {
      const server = await target.start();
      const proxy = await startProxy({ target: { port: server.port } });
      if (delay > 0) proxy.set("both", { mode: "delay", ms: delay });
      const r = run(proxy.port, server.user, server.privateKey, interval, countMax);
      try {
        await r.ready;
        await body(proxy, r);
      } finally {
        r.client.destroy();
        await proxy.close();
        await server.stop();
      }
    };

    it("one-way blackhole, client to server: the server's silence is death at (C+1)·I", async (t) => {
      await withProxy(async (proxy, r) => {
        await healthy(r);
        proxy.set("up", { mode: "blackhole" });
        t.diagnostic(await expectDeathAtBound(r));
      });
    });

    it("one-way blackhole, server to client: death at (C+1)·I after the last packet that got through", async (t) => {
      await withProxy(async (proxy, r) => {
        await healthy(r);
        proxy.set("down", { mode: "blackhole" });
        t.diagnostic(await expectDeathAtBound(r));
      });
    });

    it("a TCP RST ends the connection at once, with no liveness verdict and no timer left", async () => {
      await withProxy(async (proxy, r) => {
        await healthy(r, 1);
        proxy.reset();
        await expectCleanEnd(r, 200);
        assert.ok(
          r.errors.some(
            (e) => /ECONNRESET|EPIPE|closed/i.test(e.message) || (e as { code?: string }).code === "ECONNRESET",
          ),
          r.errors.map((e) => e.message).join("; ") || "no error",
        );
      });
    });

    it("a 300 ms-RTT link at I = 1 s, C = 1 is no death: every probe answered, RTT measured", async (t) => {
      await withProxy(
        async (_proxy, r) => {
          await sleep(5500);
          assert.deepEqual(r.timeouts, [], "no false death");
          const stats = r.liveness.stats().monitor;
          assert.ok((stats?.replies ?? 0) >= 3, `replies ${stats?.replies}`);
          assert.ok((stats?.rtt?.min ?? 0) >= 300 - 5, `RTT min ${stats?.rtt?.min} ms over a 300 ms link`);
          t.diagnostic(`RTT ${stats?.rtt?.min.toFixed(1)}–${stats?.rtt?.max.toFixed(1)} ms, ${stats?.replies} replies`);
        },
        { interval: 1000, countMax: 1, delay: 150 },
      );
    });

    it("a close while a probe is out leaves no timer and no late verdict", async () => {
      await withProxy(async (proxy, r) => {
        await healthy(r, 1);
        proxy.set("both", { mode: "blackhole" });
        await waitUntil(() => (r.liveness.stats().monitor?.unansweredProbes ?? 0) >= 1, {
          timeout: 3 * INTERVAL,
          what: "a probe into the dark",
        });
        r.client.destroy();
        await expectCleanEnd(r, 100);
      });
    });
  });
}

/**
 * A scripted ssh2 server: any login accepted; every GLOBAL_REQUEST goes to `onRequest` instead of ssh2, which
 * would answer `keepalive@openssh.com` itself.
 */
async function scriptedServer(onRequest: (connection: Connection, name: string) => void): Promise<{
  readonly port: number;
  close(): Promise<void>;
}> {
  const hostKey = generateHostKey();
  const connections = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey], keepaliveInterval: 2 ** 31 - 1 }, (connection) => {
    connections.add(connection);
    connection.on("error", () => {});
    connection.on("close", () => connections.delete(connection));
    connection.on("authentication", (context) => context.accept());
    const { _handlers: handlers } = (connection as unknown as { _protocol: { _handlers: Record<string, unknown> } })
      ._protocol;
    handlers.GLOBAL_REQUEST = (_protocol: unknown, name: string) => onRequest(connection, name);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    port,
    close() {
      for (const connection of connections) (connection as unknown as { _sock: Socket })._sock.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends one raw SSH packet of `type` with `body` through ssh2's own writer (queued through a key exchange). */
function sendRaw(connection: Connection, type: number, body: Buffer): void {
  const protocol = (
    connection as unknown as {
      _protocol: {
        _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(p: Buffer): Buffer } };
      };
    }
  )._protocol;
  const writer = protocol._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(1 + body.length);
  packet[start] = type;
  packet.set(body, start + 1);
  (protocolUtils as { sendPacket(protocol: unknown, packet: Buffer): void }).sendPacket(
    protocol,
    writer.finalize(packet),
  );
}

describe("fault matrix, tsalive client against a scripted ssh2 server", () => {
  it("a server that never answers keepalives: death at (C+1)·I after its last packet", async (t) => {
    const server = await scriptedServer(() => {
      // never answered: the reply FIFO stalls, as on a device that drops unknown global requests
    });
    const r = run(server.port, "tester", undefined);
    try {
      await r.ready;
      t.diagnostic(await expectDeathAtBound(r));
    } finally {
      r.client.destroy();
      await server.close();
    }
  });

  it("a server that answers with the wrong message type (UNIMPLEMENTED): inbound traffic, so no death", async (t) => {
    const SSH_MSG_UNIMPLEMENTED = 3;
    let seq = 0;
    const server = await scriptedServer((connection) => {
      // The reply a peer that does not know GLOBAL_REQUEST sends (RFC 4253 §11.4), not REQUEST_FAILURE.
      const body = Buffer.alloc(4);
      body.writeUInt32BE(seq++);
      sendRaw(connection, SSH_MSG_UNIMPLEMENTED, body);
    });
    const r = run(server.port, "tester", undefined);
    try {
      await r.ready;
      await sleep(3 * BOUND);
      assert.deepEqual(r.timeouts, [], "any inbound packet resets the count, as in OpenSSH (packet.c)");
      const stats = r.liveness.stats().monitor;
      assert.ok((stats?.probesSent ?? 0) >= 4, `probes kept going out after each silence (${stats?.probesSent})`);
      assert.ok(r.log.inbound() > 0);
      t.diagnostic(
        `${stats?.probesSent} probes, each answered by UNIMPLEMENTED; unanswered now ${stats?.unansweredProbes}`,
      );
    } finally {
      r.client.destroy();
      await server.close();
    }
  });
});

describe("fault matrix, malformed packets", () => {
  for (const target of TARGETS) {
    it(`a corrupted packet from ${target.name} after login is a clean error: closed at once, no timer left`, {
      skip: target.skip,
    }, async () => {
      const server = await target.start();
      const relay = await startCorruptingRelay({ target: { port: server.port }, direction: "down" });
      const r = run(relay.port, server.user, server.privateKey);
      try {
        await r.ready;
        await healthy(r, 1);
        relay.arm();
        // The next reply to a probe arrives corrupted: ssh2 fails its MAC or padding check.
        await expectCleanEnd(r, 2 * INTERVAL + LATE);
        assert.ok(r.errors.length > 0, "ssh2 reported the bad packet");
      } finally {
        r.client.destroy();
        await relay.close();
        await server.stop();
      }
    });
  }

  it("garbage after the identification line: ssh2's error at once, the close by readyTimeout, no timer left", async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.write("SSH-2.0-garbage_server\r\n");
      // A packet length of 0xffffffff: no SSH implementation accepts it.
      socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 6, 7]));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as { port: number };
    const started = performance.now();
    const r = run(port, "tester", undefined, INTERVAL, COUNT_MAX, 1000);
    try {
      await waitUntil(() => r.errors.length > 0, { timeout: 500, what: "ssh2's error" });
      assert.match(r.errors[0]?.message ?? "", /Bad packet length/);
      // ssh2 leaves the socket open after this error; its own readyTimeout (1 s here) ends the connection.
      await expectCleanEnd(r, 1000 + LATE - (performance.now() - started));
    } finally {
      r.client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
