/**
 * attach() on real connections (integration, in-process ssh2 server and raw TCP over loopback, real time): every
 * connect() of the same Client gets a fresh monitor, ssh2's own keepalive is off while attached (attached before
 * or after connect) and back after detach(), TCPKeepAlive sets SO_KEEPALIVE, ConnectTimeout bounds the banner.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { spawnProcess, waitUntil } from "@tsalive/test-support";
import { Client, type ConnectConfig } from "ssh2";
import { attach, ClientTimeoutError, Ssh2CompatibilityError } from "../src/index.ts";
import { type ScriptedServer, startScriptedServer } from "./_scripted_server.ts";

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

function connectTo(client: Client, extra: Partial<ConnectConfig> = {}): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
  });
  client.connect({ host: "127.0.0.1", port: server.port, username: "tester", readyTimeout: 5000, ...extra });
  return ready;
}

function closeOf(client: Client): Promise<void> {
  return new Promise((resolve) => client.once("close", () => resolve()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** timer_active of the TCP socket with local port `port` in /proc/net/tcp: 2 means the keepalive timer runs. */
function tcpTimer(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hex}`) && fields[3] === "01")
      return Number.parseInt(fields[5]?.split(":")[0] ?? "", 16);
  }
  return undefined;
}

describe("attach() on live connections", () => {
  it("gives every connect() of the same Client its own monitor", async () => {
    const client = new Client();
    const liveness = attach(client, { probe: { interval: 100 } });
    let connections = 0;
    liveness.on("connection", () => connections++);
    for (let round = 1; round <= 2; round++) {
      await connectTo(client);
      const replies = liveness.stats().monitor?.replies ?? -1;
      assert.equal(replies, 0, "a fresh monitor per connection");
      await waitUntil(() => (liveness.stats().monitor?.replies ?? 0) >= 1, { timeout: 3000, what: "a reply" });
      const closed = closeOf(client);
      client.end();
      await closed;
    }
    assert.equal(connections, 2);
    assert.equal(liveness.stats().connections, 2);
    liveness.detach();
  });

  it("refuses a live connection whose internals moved, naming the piece, and leaves it untouched", async () => {
    const client = new Client();
    await connectTo(client);
    const internals = client as unknown as { _protocol: { _handlers: Record<string, unknown> }; _sock: Socket };
    const handler = internals._protocol._handlers.CHANNEL_REQUEST;
    delete internals._protocol._handlers.CHANNEL_REQUEST;
    assert.throws(
      () => attach(client, { probe: { interval: 1000 } }),
      (error: unknown) =>
        error instanceof Ssh2CompatibilityError && error.missing === "Protocol#_handlers.CHANNEL_REQUEST",
    );
    assert.equal(Object.hasOwn(client, "connect"), false);
    assert.equal(internals._sock.destroyed, false, "the connection stays up");
    internals._protocol._handlers.CHANNEL_REQUEST = handler;
    attach(client).detach(); // not left registered
    const closed = closeOf(client);
    client.end();
    await closed;
  });

  it("switches ssh2's keepalive off when attached before connect(), and leaves it on after detach()", async () => {
    const client = new Client();
    const liveness = attach(client, { probe: { interval: 10_000 } });
    const connected = server.nextConnection();
    await connectTo(client, { keepaliveInterval: 50, keepaliveCountMax: 100 });
    const scripted = await connected;
    await sleep(400);
    assert.deepEqual(scripted.globalRequests, [], "no ssh2 keepalive while attached");
    const closed = closeOf(client);
    client.end();
    await closed;
    liveness.detach();
    const again = server.nextConnection();
    await connectTo(client, { keepaliveInterval: 50, keepaliveCountMax: 100 });
    const plain = await again;
    await waitUntil(() => plain.globalRequests.length >= 2, { timeout: 3000, what: "ssh2's own keepalive" });
    const closedAgain = closeOf(client);
    client.end();
    await closedAgain;
  });

  it("silences ssh2's keepalive of a connection made before attach(), and restores it on detach()", async () => {
    const client = new Client();
    const connected = server.nextConnection();
    // ssh2's own keepalive every 50 ms, and a CountMax high enough that ssh2 never ends the connection itself when
    // a loaded machine delays the replies: this test is about who sends the pings, not about ssh2's verdict.
    await connectTo(client, { keepaliveInterval: 50, keepaliveCountMax: 1000 });
    const scripted = await connected;
    await waitUntil(() => scripted.globalRequests.length >= 1, { timeout: 3000, what: "ssh2's own keepalive" });
    const liveness = attach(client, { probe: { interval: 10_000 } });
    const before = scripted.globalRequests.length;
    await sleep(400);
    // At most one ping that was in flight when attach() ran.
    assert.ok(scripted.globalRequests.length <= before + 1, `${scripted.globalRequests.length - before} pings`);
    const during = scripted.globalRequests.length;
    liveness.detach();
    await waitUntil(() => scripted.globalRequests.length >= during + 2, {
      timeout: 3000,
      what: "ssh2's keepalive back",
    });
    const closed = closeOf(client);
    client.end();
    await closed;
  });

  it("Heartbeat: SSH_MSG_IGNORE after outbound silence only", async () => {
    const client = new Client();
    const liveness = attach(client, { heartbeat: { interval: 100 } });
    const connected = server.nextConnection();
    await connectTo(client);
    const scripted = await connected;
    // Outbound traffic every 30 ms (a shell's keystrokes): no heartbeat is due.
    const stream = await new Promise<import("ssh2").ClientChannel>((resolve, reject) => {
      scripted.connection.once("session", (accept) => accept().once("shell", (acceptShell) => acceptShell().resume()));
      client.shell(false, (error, channel) => (error ? reject(error) : resolve(channel)));
    });
    let lastTypedAt = performance.now();
    const type = (): void => {
      stream.write("x");
      lastTypedAt = performance.now();
    };
    type();
    const typing = setInterval(type, 30);
    // Heartbeats due before the typing started have had a round trip to arrive.
    await sleep(50);
    const busyFrom = server.ignoresReceived;
    const heartbeatsBefore = liveness.stats().monitor?.heartbeatsSent ?? 0;
    await sleep(500);
    clearInterval(typing);
    assert.equal(server.ignoresReceived, busyFrom, "no heartbeat while sending");
    assert.equal(liveness.stats().monitor?.heartbeatsSent, heartbeatsBefore);
    // Silent: one IGNORE per interval of outbound silence reaches the server, the first 100 ms after the last
    // keystroke. The server's receive times are the clock: each one due at lastTypedAt + 100·k, never early.
    const silentFrom = lastTypedAt;
    await sleep(550);
    const sent = (liveness.stats().monitor?.heartbeatsSent ?? 0) - heartbeatsBefore;
    const due = Math.floor((performance.now() - silentFrom) / 100);
    assert.ok(sent === due || sent === due - 1, `${sent} heartbeats in ${due * 100}+ ms of silence at 100 ms`);
    await waitUntil(() => server.ignoresReceived - busyFrom >= sent, { timeout: 2000, what: "the IGNOREs" });
    // Each heartbeat is due 100 ms after the last thing sent (the keystroke, then the heartbeat before it): every
    // gap is the interval, never shorter, and late by at most 50 ms (each measured from the one before, so lateness
    // does not add up).
    const arrivals = [silentFrom, ...server.ignoreTimes.slice(busyFrom, busyFrom + sent)];
    for (let k = 1; k < arrivals.length; k++) {
      const gap = (arrivals[k] as number) - (arrivals[k - 1] as number);
      assert.ok(gap >= 100 - 1 && gap <= 100 + 50, `heartbeat ${k} came ${gap.toFixed(1)} ms after the one before`);
    }
    liveness.detach();
    const closed = closeOf(client);
    client.end();
    await closed;
  });

  it("sets SO_KEEPALIVE (TCPKeepAlive yes by default) and clears it on detach()", async () => {
    const client = new Client();
    const liveness = attach(client, {});
    await connectTo(client);
    const port = (client as unknown as { _sock: Socket })._sock.localPort as number;
    assert.equal(tcpTimer(port), 2, "keepalive timer running");
    liveness.detach();
    assert.equal(tcpTimer(port), 0, "no keepalive timer after detach");
    const closed = closeOf(client);
    client.end();
    await closed;

    const off = new Client();
    const noKeepAlive = attach(off, { tcpKeepAlive: false });
    await connectTo(off);
    assert.equal(tcpTimer((off as unknown as { _sock: Socket })._sock.localPort as number), 0);
    noKeepAlive.detach();
    const offClosed = closeOf(off);
    off.end();
    await offClosed;
  });

  it("ConnectTimeout: a TCP connect that never completes times out with ssh's message", async () => {
    // A listener with a backlog of 1 whose process is stopped: the kernel queues two connections, then drops SYNs.
    // It runs on Node under Bun, whose net.Server drops listen()'s backlog (oven-sh/bun#33786, not merged).
    const listener = spawnProcess("bun" in process.versions ? "node" : process.execPath, [
      "-e",
      'const s = require("net").createServer(); s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => console.log(s.address().port))',
    ]);
    const fillers: Socket[] = [];
    try {
      const [, port] = await listener.waitForOutput(/^(\d+)$/m, 5000);
      listener.freeze();
      for (let i = 0; i < 2; i++) {
        const filler = connect(Number(port), "127.0.0.1");
        fillers.push(filler);
        filler.on("error", () => {});
        await new Promise((resolve) => filler.once("connect", resolve));
      }
      const client = new Client();
      const liveness = attach(client, { connectTimeout: 300, host: "full.test" });
      const errors: Error[] = [];
      client.on("error", (error) => errors.push(error));
      const closed = closeOf(client);
      const started = performance.now();
      client.connect({ host: "127.0.0.1", port: Number(port), username: "tester", readyTimeout: 10_000 });
      await closed;
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 299 && elapsed < 1000, `closed after ${elapsed} ms`);
      const [first] = errors;
      assert.ok(first instanceof ClientTimeoutError, String(first));
      assert.equal(first.message, `ssh: connect to host full.test port ${port}: Connection timed out`);
      liveness.detach();
    } finally {
      for (const filler of fillers) filler.destroy();
      await listener.stop();
    }
  });

  it("ConnectTimeout: a server that accepts and never sends its banner times out, then 'close' follows", async () => {
    const silent = createServer((socket) => socket.on("error", () => {}));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const port = (silent.address() as { port: number }).port;
    try {
      const client = new Client();
      const liveness = attach(client, { connectTimeout: 300, host: "silent.test" });
      const errors: Error[] = [];
      client.on("error", (error) => errors.push(error));
      const closed = closeOf(client);
      const started = performance.now();
      client.connect({ host: "127.0.0.1", port, username: "tester", readyTimeout: 10_000 });
      await closed;
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 299 && elapsed < 1000, `closed after ${elapsed} ms`);
      const [first] = errors;
      assert.ok(first instanceof ClientTimeoutError);
      assert.equal(first.code, "CONNECT_TIMEOUT");
      assert.equal(first.message, "Connection timed out during banner exchange");
      assert.equal(liveness.stats().timeouts, 1);
      liveness.detach();
    } finally {
      silent.close();
    }
  });
});
