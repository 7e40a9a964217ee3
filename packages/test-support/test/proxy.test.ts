/** Integration test of the fault-injecting proxy over real loopback sockets (real time, bounded). */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { type FaultProxy, startProxy, stopAll, waitUntil } from "../src/index.ts";

let echo: Server;
let echoPort: number;
const echoSockets = new Set<Socket>();

/** The echo server's sockets opened after `before` was taken (the proxy connects upstream asynchronously). */
async function newEchoSockets(before: ReadonlySet<Socket>): Promise<Socket[]> {
  const fresh = () => [...echoSockets].filter((socket) => !before.has(socket));
  await waitUntil(() => fresh().length > 0, { timeout: 2000 });
  return fresh();
}

before(async () => {
  echo = createServer((socket) => {
    echoSockets.add(socket);
    socket.on("close", () => echoSockets.delete(socket));
    socket.on("error", () => {}); // the reset test RSTs it
    socket.pipe(socket);
  });
  echo.listen(0, "127.0.0.1");
  await once(echo, "listening");
  echoPort = (echo.address() as { port: number }).port;
});

after(async () => {
  await stopAll();
  echo.close();
});

async function open(proxy: FaultProxy): Promise<{ socket: Socket; received: () => number; data: () => Buffer }> {
  const socket = connect({ host: proxy.host, port: proxy.port });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {});
  await once(socket, "connect");
  return {
    socket,
    received: () => chunks.reduce((sum, chunk) => sum + chunk.length, 0),
    data: () => Buffer.concat(chunks),
  };
}

describe("startProxy", () => {
  it("passes bytes both ways and counts them", async () => {
    const proxy = await startProxy({ target: { port: echoPort } });
    assert.ok(Number.isNaN(proxy.bytes("up").lastForwardedAt), "no byte forwarded yet");
    const client = await open(proxy);
    const sent = performance.now();
    client.socket.write("hello");
    await waitUntil(() => client.received() === 5, { timeout: 2000 });
    const echoed = performance.now();
    assert.equal(client.data().toString(), "hello");
    const { lastForwardedAt: up, ...upBytes } = proxy.bytes("up");
    const { lastForwardedAt: down, ...downBytes } = proxy.bytes("down");
    assert.deepEqual(upBytes, { received: 5, forwarded: 5 });
    assert.deepEqual(downBytes, { received: 5, forwarded: 5 });
    // The proxy's own clock of the last byte through, each way, in order.
    assert.ok(sent <= up && up <= down && down <= echoed, `${sent} ≤ ${up} ≤ ${down} ≤ ${echoed}`);
    client.socket.destroy();
    await proxy.close();
    assert.equal(proxy.openConnections, 0);
  });

  it("blackholes one direction while keeping the socket open, and releases held bytes on pass", async () => {
    const proxy = await startProxy({ target: { port: echoPort }, down: { mode: "blackhole" } });
    const client = await open(proxy);
    client.socket.write("x".repeat(1000));
    await waitUntil(() => proxy.bytes("down").received === 1000, { timeout: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(client.received(), 0);
    assert.equal(proxy.bytes("down").forwarded, 0);
    assert.equal(client.socket.destroyed, false);
    assert.equal(proxy.openConnections, 1);
    proxy.set("down", { mode: "pass" });
    await waitUntil(() => client.received() === 1000, { timeout: 2000 });
    client.socket.destroy();
    await proxy.close();
  });

  it("blackholes both directions", async () => {
    const proxy = await startProxy({ target: { port: echoPort } });
    const client = await open(proxy);
    proxy.set("both", { mode: "blackhole" });
    client.socket.write("ping");
    await waitUntil(() => proxy.bytes("up").received === 4, { timeout: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(proxy.bytes("up").forwarded, 0);
    assert.equal(client.received(), 0);
    await proxy.close();
    client.socket.destroy();
  });

  it("holds a close across a blackholed direction until it passes again", async () => {
    const proxy = await startProxy({ target: { port: echoPort } });
    const earlier = new Set(echoSockets);
    const client = await open(proxy);
    const upstream = await newEchoSockets(earlier);
    let closed = false;
    client.socket.on("close", () => (closed = true));
    proxy.set("both", { mode: "blackhole" });
    // The echo server's side goes away; on a dark link the client hears nothing of it.
    for (const socket of upstream) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(closed, false);
    assert.equal(proxy.openConnections, 1);
    proxy.set("down", { mode: "pass" });
    await waitUntil(() => closed, { timeout: 2000 });
    assert.equal(proxy.openConnections, 0);
    await proxy.close();
  });

  it("delays each chunk", async () => {
    const proxy = await startProxy({ target: { port: echoPort }, up: { mode: "delay", ms: 150 } });
    const client = await open(proxy);
    const start = performance.now();
    client.socket.write("a");
    await waitUntil(() => client.received() === 1, { timeout: 2000, interval: 5 });
    const elapsed = performance.now() - start;
    assert.ok(elapsed >= 145, `echo after ${elapsed} ms, expected >= 150`);
    assert.ok(elapsed < 1000, `echo after ${elapsed} ms`);
    client.socket.destroy();
    await proxy.close();
  });

  it("throttles to a byte rate", async () => {
    const proxy = await startProxy({ target: { port: echoPort }, down: { mode: "throttle", bytesPerSecond: 40_000 } });
    const client = await open(proxy);
    const start = performance.now();
    client.socket.write(Buffer.alloc(20_000));
    await waitUntil(() => client.received() === 20_000, { timeout: 5000, interval: 5 });
    const elapsed = performance.now() - start;
    // 20 000 B at 40 000 B/s: 500 ms, less the first tick's bucket.
    assert.ok(elapsed >= 450, `20 kB in ${elapsed} ms at 40 kB/s`);
    assert.ok(elapsed < 2000, `20 kB in ${elapsed} ms at 40 kB/s`);
    client.socket.destroy();
    await proxy.close();
  });

  it("resets every connection with an RST", async () => {
    const proxy = await startProxy({ target: { port: echoPort } });
    const client = await open(proxy);
    const errored = new Promise<NodeJS.ErrnoException>((resolve) => client.socket.once("error", resolve));
    client.socket.write("a");
    await waitUntil(() => client.received() === 1, { timeout: 2000 });
    proxy.reset();
    const error = await errored;
    assert.equal(error.code, "ECONNRESET");
    assert.equal(proxy.openConnections, 0);
    await proxy.close();
  });

  it("rejects a bad fault with a RangeError naming the option", async () => {
    const proxy = await startProxy({ target: { port: echoPort } });
    assert.throws(() => proxy.set("up", { mode: "throttle", bytesPerSecond: 0 }), /throttle\.bytesPerSecond/);
    await proxy.close();
  });

  it("closes itself after its lifetime", async () => {
    const proxy = await startProxy({ target: { port: echoPort }, lifetime: 100 });
    const client = await open(proxy);
    const closed = once(client.socket, "close");
    await closed;
    assert.equal(proxy.openConnections, 0);
  });
});
