/**
 * detach() and 'close' leave nothing behind (integration, in-process ssh2 server over loopback): no pending timer
 * (counted through an injected Timers and in Node's active resources), no listener on the client, its socket or the
 * handle, and every wrapped ssh2 internal restored.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defaultTimers, systemTimers, type Timers } from "@tsalive/core";
import { waitUntil } from "@tsalive/test-support";
import { Client } from "ssh2";
import { attach } from "../src/index.ts";
import { type ScriptedServer, startScriptedServer } from "./_scripted_server.ts";

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

/** systemTimers that count what is pending. */
function countingTimers(): Timers & { readonly pending: () => number } {
  const live = new Set<unknown>();
  return {
    setTimeout(callback: (arg?: unknown) => void, delay: number, arg?: unknown) {
      const handle = systemTimers.setTimeout(
        (value: unknown) => {
          live.delete(handle);
          callback(value);
        },
        delay,
        arg,
      );
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      systemTimers.clearTimeout(handle);
    },
    pending: () => live.size,
  };
}

interface Internals {
  _sock: import("node:net").Socket;
  _protocol: { _onPacket: unknown; _onHeader: unknown; ping: unknown; _handlers: Record<string, unknown> };
}

const internals = (client: Client): Internals => client as unknown as Internals;

/** Listener counts per event of an emitter. */
function listeners(emitter: NodeJS.EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
}

function connectAndWait(client: Client): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once("ready", () => resolve()));
  client.connect({ host: "127.0.0.1", port: server.port, username: "tester", readyTimeout: 5000 });
  return ready;
}

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
}

describe("cleanup", () => {
  it("'close' stops the monitor's timer and removes every socket listener tsalive added", async () => {
    const closing = await startScriptedServer();
    const connectTo = (client: Client): Promise<void> => {
      const ready = new Promise<void>((resolve) => client.once("ready", () => resolve()));
      client.connect({ host: "127.0.0.1", port: closing.port, username: "tester", readyTimeout: 5000 });
      return ready;
    };
    const timers = countingTimers();
    // Baseline: what plain ssh2 leaves on a socket the server closed.
    const plain = new Client();
    const client = new Client();
    for (const each of [plain, client]) each.on("error", () => {}); // the server goes away: errors are expected
    const clientListeners = listeners(client);
    const liveness = attach(client, {
      probe: { interval: 200, countMax: 3 },
      heartbeat: { interval: 100 },
      connectTimeout: 5000,
      timers,
    });
    const serverSides = [closing.nextConnection(), closing.nextConnection()];
    await Promise.all([connectTo(plain), connectTo(client)]);
    const plainSock = internals(plain)._sock;
    const sock = internals(client)._sock;
    await waitUntil(() => (liveness.stats().monitor?.heartbeatsSent ?? 0) >= 1, { timeout: 3000, what: "a heartbeat" });
    assert.ok(timers.pending() >= 1, "the monitor has a timer while running");
    const closed = Promise.all(
      [plain, client].map((each) => new Promise((resolve) => each.once("close", () => resolve(undefined)))),
    );
    // The server ends both connections cleanly (DISCONNECT, FIN), so both sockets see the same close.
    for (const side of await Promise.all(serverSides)) side.connection.end();
    await closed;
    await closing.close();
    assert.equal(timers.pending(), 0, "no timer left after 'close'");
    assert.deepEqual(listeners(sock), listeners(plainSock));
    // Node itself replaces write() with writeAfterFIN on a socket that ended: compare with plain ssh2.
    assert.equal(sock.write.name, plainSock.write.name, "socket.write is what plain ssh2 leaves");
    assert.deepEqual(listeners(client), clientListeners);
    assert.equal(liveness.stats().monitor?.state, "stopped");
    // The handle stays attached for the next connect(); detach leaves the client as it was.
    liveness.detach();
    assert.equal(Object.hasOwn(client, "connect"), false, "connect() is ssh2's own again");
    assert.equal(liveness.listenerCount(), 0);
  });

  it("detach() on a live connection restores every hook and leaves no timer", async () => {
    const client = new Client();
    await connectAndWait(client);
    const { _sock: sock, _protocol: protocol } = internals(client);
    const before = {
      sock: listeners(sock),
      client: listeners(client),
      onPacket: protocol._onPacket,
      onHeader: protocol._onHeader,
      handlers: { ...protocol._handlers },
      write: sock.write,
      timeouts: activeTimeouts(),
      shared: defaultTimers().size,
    };
    // Attached after connect(): adopts the live connection, with core's shared default timers.
    const liveness = attach(client, { probe: { interval: 200 }, heartbeat: { interval: 100 } });
    let events = 0;
    liveness.on("heartbeat", () => events++);
    liveness.on("reply", () => events++);
    await waitUntil(() => events >= 2, { timeout: 3000, what: "heartbeats or replies" });
    assert.notEqual(protocol._onPacket, before.onPacket, "hooks were installed");
    assert.equal(defaultTimers().size, before.shared + 1, "one pending entry in the shared timers");
    liveness.detach();
    assert.equal(defaultTimers().size, before.shared, "no pending entry left in the shared timers");
    assert.equal(protocol._onPacket, before.onPacket);
    assert.equal(protocol._onHeader, before.onHeader);
    assert.deepEqual({ ...protocol._handlers }, before.handlers);
    assert.equal(sock.write, before.write);
    assert.equal(Object.hasOwn(sock, "write"), false);
    assert.equal(Object.hasOwn(protocol, "ping"), false);
    assert.deepEqual(listeners(sock), before.sock);
    assert.deepEqual(listeners(client), before.client);
    assert.equal(liveness.listenerCount(), 0);
    assert.equal(activeTimeouts(), before.timeouts, "no runtime timer left");
    // The connection is still up and usable.
    assert.equal(sock.destroyed, false);
    const closed = new Promise((resolve) => client.once("close", () => resolve(undefined)));
    client.end();
    await closed;
  });
});
