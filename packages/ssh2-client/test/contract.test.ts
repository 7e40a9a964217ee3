/**
 * The contract with ssh2's internals (integration, in-process ssh2 server over loopback). Each private field or
 * function that src/_ssh2_internals.ts declares is exercised here on a real connection, so that an ssh2 release
 * that renames, moves or changes one fails this file loudly, naming it, instead of silently disabling liveness.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "@tsalive/test-support";
import { Client } from "ssh2";
import {
  channelState,
  checkClient,
  checkConnection,
  inKeyExchange,
  internalsOf,
  openChannels,
  type Ssh2ClientInternals,
  sendIgnore,
} from "../src/_ssh2_internals.ts";
import { Ssh2CompatibilityError } from "../src/index.ts";
import { type ScriptedServer, startScriptedServer } from "./_scripted_server.ts";

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

/** Connects and returns the internals as soon as connect() returned (before the banner), then once ready. */
function connect(client: Client, extra: object = {}): { early: Ssh2ClientInternals; ready: Promise<void> } {
  const ready = new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
  });
  client.connect({ host: "127.0.0.1", port: server.port, username: "tester", readyTimeout: 5000, ...extra });
  return { early: internalsOf(client), ready };
}

async function end(client: Client): Promise<void> {
  const closed = new Promise((resolve) => client.once("close", () => resolve(undefined)));
  client.end();
  await closed;
}

describe("ssh2 internals contract", () => {
  it("Client: the private fields exist before connect(), and the guard names a missing one", () => {
    const client = new Client();
    checkClient(client);
    for (const field of ["_protocol", "_sock", "_callbacks", "_chanMgr", "_resetKA"]) {
      const broken = new Client();
      delete (broken as unknown as Record<string, unknown>)[field];
      assert.throws(
        () => checkClient(broken),
        (error: unknown) =>
          error instanceof Ssh2CompatibilityError &&
          error.missing === `Client#${field}` &&
          /tested with ssh2 1\.17\.0/.test(error.message),
      );
    }
  });

  it("Protocol: _onHeader, USERAUTH_SUCCESS, _onPacket, _authenticated, config", async () => {
    const client = new Client();
    const { early, ready } = connect(client);
    const { protocol, socket } = checkConnection(early);
    assert.equal(early._sock, socket);
    assert.equal(early.config.host, "127.0.0.1");
    assert.equal(early.config.port, server.port);
    let headers = 0;
    const onHeader = protocol._onHeader;
    protocol._onHeader = (header) => {
      headers++;
      onHeader(header);
    };
    let authenticated = 0;
    const onSuccess = protocol._handlers.USERAUTH_SUCCESS;
    protocol._handlers.USERAUTH_SUCCESS = (p) => {
      authenticated++;
      assert.equal(p._authenticated, true, "_authenticated is set before the handler runs");
      onSuccess?.(p);
    };
    let packets = 0;
    const onPacket = protocol._onPacket;
    protocol._onPacket = () => {
      packets++;
      onPacket();
    };
    assert.equal(protocol._authenticated, false);
    await ready;
    assert.equal(headers, 1, "_onHeader once, with the server's identification");
    assert.equal(authenticated, 1, "_handlers.USERAUTH_SUCCESS on authentication");
    assert.ok(packets >= 3, `_onPacket for every packet after the first key exchange (${packets})`);
    await end(client);
  });

  it("ping() with a callback on _callbacks gets the reply, in FIFO order", async () => {
    const client = new Client();
    const { early, ready } = connect(client);
    await ready;
    const { protocol } = checkConnection(early);
    const results: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      early._callbacks?.push((failed) => results.push(failed));
      protocol.ping();
    }
    await waitUntil(() => results.length === 3, { timeout: 3000, what: "three replies" });
    assert.deepEqual(results, [true, true, true], "the server rejects keepalive@openssh.com: REQUEST_FAILURE");
    await end(client);
  });

  it("sendIgnore() goes out through _packetRW.write and sendPacket, also queued through a key exchange", async () => {
    const client = new Client();
    const { early, ready } = connect(client);
    await ready;
    const { protocol } = checkConnection(early);
    assert.equal(protocol._packetRW.write.allocStart, 5);
    const before = server.ignoresReceived;
    sendIgnore(protocol);
    await waitUntil(() => server.ignoresReceived === before + 1, { timeout: 3000, what: "the IGNORE" });
    // Mid-KEX: allocStart drops to 0 and the IGNORE waits in the queue; sent now it would break strict KEX.
    const handshake = new Promise((resolve) => client.once("handshake", resolve));
    protocol.rekey();
    assert.equal(protocol._packetRW.write.allocStart, 0);
    sendIgnore(protocol);
    await handshake;
    await waitUntil(() => server.ignoresReceived === before + 2, { timeout: 3000, what: "the queued IGNORE" });
    await end(client);
  });

  it("a key exchange routes inbound packets past _onPacket, and inKeyExchange() sees it", async () => {
    const client = new Client();
    const { early, ready } = connect(client);
    await ready;
    const { protocol, socket } = checkConnection(early);
    assert.equal(inKeyExchange(protocol), false);
    let packets = 0;
    const onPacket = protocol._onPacket;
    protocol._onPacket = () => {
      packets++;
      onPacket();
    };
    let bytesDuringKex = 0;
    const onData = (chunk: Buffer): void => {
      if (inKeyExchange(protocol)) bytesDuringKex += chunk.length;
    };
    socket.prependListener("data", onData);
    const handshake = new Promise((resolve) => client.once("handshake", resolve));
    protocol.rekey();
    assert.equal(inKeyExchange(protocol), true);
    await handshake;
    socket.off("data", onData);
    assert.equal(inKeyExchange(protocol), false);
    // The server's KEXINIT passes _onPacket; its KEX reply and NEWKEYS do not.
    assert.ok(packets <= 1, `${packets} _onPacket calls during the key exchange`);
    assert.ok(bytesDuringKex > 100, `${bytesDuringKex} bytes arrived while _onPacket was bypassed`);
    await end(client);
  });

  it("_chanMgr.get() and _channels, channel _exit/outgoing/type/subtype, and the channel handlers, as the want-reply answers and the dump use them", async () => {
    const client = new Client();
    const { early, ready } = connect(client);
    const connected = server.nextConnection();
    await ready;
    const scripted = await connected;
    const { protocol } = checkConnection(early);
    const calls: string[] = [];
    for (const name of ["CHANNEL_REQUEST", "CHANNEL_OPEN_CONFIRMATION", "CHANNEL_CLOSE"] as const) {
      const original = protocol._handlers[name] as (...args: unknown[]) => void;
      (protocol._handlers as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls.push(name);
        original(...args);
      };
    }
    let serverChannel = -1;
    scripted.connection.once("session", (accept) => {
      accept().once("exec", (acceptExec) => {
        const stream = acceptExec();
        serverChannel = (stream as unknown as { incoming: { id: number } }).incoming.id;
        stream.exit(0);
        stream.end();
      });
    });
    let local = -1;
    const closed = new Promise<void>((resolve, reject) => {
      client.exec("true", (error, channel) => {
        if (error) return reject(error);
        const state = channelState(early, local);
        assert.equal(state.kind, "open");
        if (state.kind === "open") {
          assert.equal(state.channel.outgoing.id, serverChannel);
          assert.equal(state.channel.outgoing.state, "open");
          assert.equal(state.channel._exit.code, undefined);
        }
        // The dump's channel list reads _chanMgr._channels and each channel's type and subtype.
        assert.deepEqual(openChannels(early), [{ id: local, type: "session", subtype: "exec" }]);
        channel.on("exit", () => {
          const exited = channelState(early, local);
          assert.equal(exited.kind === "open" && exited.channel._exit.code, 0);
        });
        channel.resume();
        channel.on("close", () => resolve());
      });
    });
    // Right after exec(): the open is pending, the channel manager holds its callback.
    local = 0;
    assert.equal(channelState(early, local).kind, "opening");
    assert.equal(channelState(early, 999).kind, "unknown");
    assert.deepEqual(openChannels(early), [], "a pending open is not an open channel");
    await closed;
    assert.equal(channelState(early, local).kind, "unknown", "gone after CHANNEL_CLOSE");
    assert.deepEqual(openChannels(early), []);
    assert.deepEqual([...new Set(calls)].sort(), ["CHANNEL_CLOSE", "CHANNEL_OPEN_CONFIRMATION", "CHANNEL_REQUEST"]);
    await end(client);
  });

  it("ssh2's keepalive pushes _resetKA onto _callbacks right before its ping()", async () => {
    const client = new Client();
    const { early, ready } = connect(client, { keepaliveInterval: 50, keepaliveCountMax: 10 });
    await ready;
    const { protocol } = checkConnection(early);
    assert.equal(typeof early._resetKA, "function");
    assert.equal(early.config.keepaliveInterval, 50);
    const tails: boolean[] = [];
    protocol.ping = () => {
      const callbacks = early._callbacks ?? [];
      tails.push(callbacks[callbacks.length - 1] === early._resetKA);
      Object.getPrototypeOf(protocol).ping.call(protocol);
    };
    await waitUntil(() => tails.length >= 2, { timeout: 3000, what: "two built-in pings" });
    assert.deepEqual(tails.slice(0, 2), [true, true]);
    await end(client);
  });
});
