/**
 * How a chain fails and ends (integration, in-process ssh2 servers over loopback): a hop that refuses
 * authentication or whose direct-tcpip open is refused rejects `ready` with a ChainError naming it; a server that
 * closes a middle hop ends the chain as `closed` at that hop; `close()` while connecting; bad hops refused. Every
 * case ends with nothing of tsalive left on any hop.
 */
import assert from "node:assert/strict";
import { type AddressInfo, connect } from "node:net";
import { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";
import { systemTime, type TimerHandle } from "@tsalive/core";
import { generateHostKey } from "@tsalive/test-support";
import ssh2, { type Connection } from "ssh2";
import { type Chain, ChainError, type ChainHop, connectChain } from "../src/index.ts";

const { Server } = ssh2;
const hostKeys = [generateHostKey()];

interface TestServer {
  readonly port: number;
  readonly connections: Set<Connection>;
  close(): Promise<void>;
}

/** A server that accepts `username` (any other user is refused) and opens direct-tcpip channels unless told not to. */
async function startServer(options: { readonly forward?: boolean } = {}): Promise<TestServer> {
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys }, (connection) => {
    connections.add(connection);
    connection.on("close", () => connections.delete(connection));
    connection.on("error", () => {});
    connection.on("authentication", (context) => (context.username === "me" ? context.accept() : context.reject()));
    connection.on("tcpip", (accept, reject, { destIP, destPort }) => {
      if (options.forward === false) return reject();
      const channel = accept();
      const socket = connect(destPort, destIP);
      socket.on("error", () => channel.destroy());
      channel.on("error", () => socket.destroy());
      channel.pipe(socket).pipe(channel);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of connections) connection.end();
        server.close(() => resolve());
      }),
  };
}

/** System time that counts the timers tsalive has pending (every hop's monitor and ConnectTimeout run on it). */
const time = {
  pending: new Set<TimerHandle>(),
  now: () => systemTime.now(),
  setTimeout(callback: (arg?: unknown) => void, delay: number, arg?: unknown): TimerHandle {
    const handle = systemTime.setTimeout(
      (value: unknown) => {
        time.pending.delete(handle);
        callback(value);
      },
      delay,
      arg,
    );
    time.pending.add(handle);
    return handle;
  },
  clearTimeout(handle: TimerHandle): void {
    time.pending.delete(handle);
    systemTime.clearTimeout(handle);
  },
};

const hop = (name: string, port: number, username = "me"): ChainHop => ({
  name,
  connect: { host: "127.0.0.1", port, username, readyTimeout: 5000 },
  liveness: { probe: { interval: 1000, countMax: 2 }, connectTimeout: 5000, time },
});

function activeTimers(): number {
  return time.pending.size;
}

/** The chain is closed and left nothing: no listener of its own on any hop's client, no timer. */
async function assertClean(chain: Chain, timersBefore: number): Promise<void> {
  await chain.closed;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(chain.state, "closed");
  for (const client of chain.clients) {
    for (const event of ["ready", "close"]) assert.equal(client.listenerCount(event), 0, `'${event}' listener left`);
  }
  assert.ok(
    chain.stats().every((each) => each.liveness === undefined),
    "every hop detached",
  );
  assert.equal(activeTimers(), timersBefore, "no timer left");
}

describe("chain failures", () => {
  let bastion: TestServer;
  let target: TestServer;
  let closed: TestServer;
  before(async () => {
    [bastion, target, closed] = await Promise.all([startServer(), startServer(), startServer({ forward: false })]);
  });
  after(() => Promise.all([bastion.close(), target.close(), closed.close()]));

  it("an auth failure at the second hop rejects ready naming it, and the first hop is closed", async () => {
    const timers = activeTimers();
    const chain = connectChain([hop("bastion", bastion.port), hop("target", target.port, "intruder")]);
    const error = await chain.ready.then(
      () => assert.fail("ready resolved"),
      (rejection: unknown) => rejection,
    );
    assert.ok(error instanceof ChainError);
    assert.deepEqual(error.hop, { hop: "target", index: 1 });
    assert.equal((error.cause as { level?: string }).level, "client-authentication");
    const end = await chain.closed;
    assert.equal(end.cause, "failed");
    assert.equal(end.hop?.hop, "target");
    await assertClean(chain, timers);
  });

  it("a refused direct-tcpip open names the hop that refused it", async () => {
    const timers = activeTimers();
    const chain = connectChain([hop("no-forwarding", closed.port), hop("target", target.port)]);
    const error = (await chain.ready.catch((rejection: unknown) => rejection)) as ChainError;
    assert.ok(error instanceof ChainError);
    assert.equal(error.hop.hop, "no-forwarding");
    assert.match(error.message, /^no-forwarding: channel open failed: /);
    await assertClean(chain, timers);
  });

  it("a server that closes the middle hop ends the chain as closed there, the far end first", async () => {
    const timers = activeTimers();
    const middle = await startServer();
    const chain = connectChain([hop("bastion", bastion.port), hop("middle", middle.port), hop("target", target.port)]);
    const order: string[] = [];
    chain.on("hop-close", ({ hop: name }) => order.push(name));
    await chain.ready;
    for (const connection of middle.connections) connection.end();
    const end = await chain.closed;
    assert.equal(end.cause, "closed");
    assert.equal(end.hop?.hop, "middle");
    assert.deepEqual(order.slice(-1), ["bastion"]);
    await assertClean(chain, timers);
    await middle.close();
  });

  it("close() while connecting ends everything, and ready rejects", async () => {
    const timers = activeTimers();
    const chain = connectChain([hop("bastion", bastion.port), hop("target", target.port)]);
    const end = await chain.close();
    assert.equal(end.cause, "local");
    await assert.rejects(chain.ready, ChainError);
    await assertClean(chain, timers);
  });

  it("a first hop over a sock of the caller's (a ProxyCommand's stdio: no socket options) connects", async () => {
    const timers = activeTimers();
    const tcp = connect(bastion.port, "127.0.0.1");
    const sock = Duplex.from({ readable: tcp, writable: tcp });
    const first: ChainHop = { ...hop("bastion", 0), connect: { sock, username: "me", readyTimeout: 5000 } };
    const chain = connectChain([first, hop("target", target.port)]);
    await chain.ready;
    assert.equal((await chain.close()).cause, "local");
    tcp.destroy();
    await assertClean(chain, timers);
  });

  it("refuses an empty chain, a nameless hop and a sock past the first hop", () => {
    assert.throws(() => connectChain([]), {
      name: "RangeError",
      message: 'Cannot connect chain: "hops" must be a non-empty array, received []',
    });
    assert.throws(() => connectChain([{ name: "", connect: {} }]), /"hops\[0\]\.name" must be a non-empty string/);
    const sock = connect(1, "127.0.0.1").on("error", () => {});
    assert.throws(
      () => connectChain([hop("a", 1), { name: "b", connect: { sock } }]),
      /"hops\[1\]\.connect\.sock" must be left out/,
    );
    sock.destroy();
  });
});
