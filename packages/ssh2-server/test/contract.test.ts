/**
 * The contract with ssh2's internals (integration, in-process ssh2 Client and Server over loopback). Each private
 * field or function src/_ssh2_internals.ts declares is exercised here on a real connection, so that an ssh2 release
 * that renames, moves or changes one fails this file loudly, naming it, instead of silently disabling liveness.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { after, describe, it } from "node:test";
import { generateHostKey, stopAll, waitUntil } from "@tsalive/test-support";
import ssh2, { type ClientChannel, type Connection } from "ssh2";
import {
  channelAt,
  channelCallbacks,
  checkConnection,
  checkServer,
  firstOpenChannel,
  inKeyExchange,
  isSession,
  sendChannelKeepalive,
  sendGlobalKeepalive,
  sendIgnore,
  sidesOf,
  socketOf,
} from "../src/_ssh2_internals.ts";
import { attach, attachConnection, type ConnectionLiveness, Ssh2CompatibilityError } from "../src/index.ts";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

interface Session {
  readonly client: ssh2.Client;
  readonly connection: Connection;
  readonly liveness: ConnectionLiveness;
  /** Debug lines of the client ("Inbound: Received IGNORE", …). */
  readonly debug: string[];
}

async function connect(test: TestServer, config: Partial<ssh2.ConnectConfig> = {}): Promise<Session> {
  const client = new ssh2.Client();
  const debug: string[] = [];
  const seen = test.connections.length;
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
    client.connect({
      host: "127.0.0.1",
      port: test.port,
      username: "tester",
      privateKey: test.key.privateKey,
      readyTimeout: 5000,
      debug: (line) => debug.push(line),
      ...config,
    });
  });
  const connection = test.connections[seen];
  assert.ok(connection, "the server saw the connection");
  const liveness = test.liveness.of(connection);
  assert.ok(liveness, "the connection is attached");
  return { client, connection, liveness, debug };
}

function exec(client: ssh2.Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

async function end(client: ssh2.Client): Promise<void> {
  const closed = new Promise((resolve) => client.once("close", () => resolve(undefined)));
  client.end();
  await closed;
}

function isCompatibilityError(missing: string) {
  return (error: unknown) =>
    error instanceof Ssh2CompatibilityError &&
    error.missing === missing &&
    /tested with ssh2 1\.17\.0/.test(error.message);
}

describe("ssh2 server internals contract", () => {
  it("Server#_srv is the net.Server that accepts sockets, and the guard names it when missing", () => {
    const server = new ssh2.Server({ hostKeys: [] as unknown as Buffer[] });
    assert.equal(typeof checkServer(server)._srv.prependListener, "function");
    const broken = new ssh2.Server({ hostKeys: [] as unknown as Buffer[] });
    delete (broken as unknown as Record<string, unknown>)._srv;
    assert.throws(() => attach(broken), isCompatibilityError("Server#_srv (net.Server)"));
  });

  it("Connection: _protocol, _sock, _chanMgr, authenticated and the handlers, each named by the guard", async () => {
    const test = await startTestServer({});
    const { client, connection } = await connect(test);
    const internals = checkConnection(connection);
    assert.equal(internals.authenticated, true);
    assert.equal(internals._sock.remotePort, (client as unknown as { _sock: { localPort: number } })._sock.localPort);
    const fakes: [string, (fake: Record<string, unknown>) => void][] = [
      ["Connection#_protocol", (fake) => delete fake._protocol],
      ["Connection#_sock.destroy/write", (fake) => delete fake._sock],
      ["Connection#_chanMgr.get/_channels", (fake) => delete fake._chanMgr],
      ["Connection#authenticated", (fake) => delete fake.authenticated],
      ["Protocol#_onPacket", (fake) => (fake._protocol = { ...internals._protocol, _onPacket: undefined })],
      ["Protocol#_handlers", (fake) => (fake._protocol = { ...internals._protocol, _handlers: undefined })],
      [
        "Protocol#_handlers.CHANNEL_REQUEST",
        (fake) =>
          (fake._protocol = {
            ...internals._protocol,
            _onPacket: internals._protocol._onPacket,
            _onPayload: internals._protocol._onPayload,
            _handlers: { ...internals._protocol._handlers, CHANNEL_REQUEST: undefined },
          }),
      ],
    ];
    for (const [missing, breakIt] of fakes) {
      const fake = Object.assign(new EventEmitter(), {
        _protocol: internals._protocol,
        _sock: internals._sock,
        _chanMgr: internals._chanMgr,
        authenticated: true,
      }) as unknown as Record<string, unknown>;
      breakIt(fake);
      assert.throws(() => attachConnection(fake as unknown as Connection), isCompatibilityError(missing), missing);
    }
    await end(client);
    await test.close();
  });

  it("_onPacket sees every decrypted packet; IGNORE, global and channel probes go out through sendPacket", async () => {
    const test = await startTestServer({});
    const { client, connection, liveness, debug } = await connect(test);
    const internals = checkConnection(connection);
    const protocol = internals._protocol;
    let packets = 0;
    const onPacket = protocol._onPacket;
    protocol._onPacket = () => {
      packets++;
      onPacket();
    };
    sendIgnore(protocol);
    await waitUntil(() => debug.some((line) => line.includes("Received IGNORE")), { timeout: 2000, what: "IGNORE" });

    // Global probe: the client answers REQUEST_FAILURE, which our REQUEST_FAILURE handler takes (ssh2 has none).
    const replies: number[] = [];
    liveness.on("reply", () => replies.push(packets));
    const handlers = protocol._handlers;
    let failures = 0;
    const onFailure = handlers.REQUEST_FAILURE;
    handlers.REQUEST_FAILURE = (p) => {
      failures++;
      onFailure?.(p);
    };
    sendGlobalKeepalive(protocol);
    await waitUntil(() => failures === 1, { timeout: 2000, what: "REQUEST_FAILURE" });
    assert.ok(packets >= 1, "the reply passed _onPacket");
    assert.ok(debug.some((line) => line.includes("GLOBAL_REQUEST (keepalive@openssh.com)")));

    // Channel probe on the first open channel: the ssh2 client answers CHANNEL_FAILURE on an open channel.
    const stream = await exec(client, "sleep 5");
    await waitUntil(() => firstOpenChannel(internals) !== undefined, { timeout: 2000, what: "an open channel" });
    const open = firstOpenChannel(internals);
    assert.ok(open);
    const session = channelAt(internals, open.local);
    assert.ok(session !== undefined && isSession(session), "_chanMgr holds the Session with its _chanInfo");
    let channelFailures = 0;
    const onChannelFailure = handlers.CHANNEL_FAILURE;
    handlers.CHANNEL_FAILURE = (p, recipient) => {
      assert.equal(recipient, open.local);
      channelFailures++;
      onChannelFailure?.(p, recipient);
    };
    sendChannelKeepalive(protocol, open.remote);
    await waitUntil(() => channelFailures === 1, { timeout: 2000, what: "CHANNEL_FAILURE" });
    stream.close();
    await end(client);
    await test.close();
  });

  it("_kexinit/_decipher tell a key exchange apart, and packets sent during one are queued", async () => {
    const test = await startTestServer({});
    const { client, connection, debug } = await connect(test);
    const protocol = checkConnection(connection)._protocol;
    assert.equal(inKeyExchange(protocol), false);
    let sawKex = false;
    const rekeyed = new Promise<void>((resolve) => connection.once("rekey", () => resolve()));
    protocol.rekey();
    sawKex = inKeyExchange(protocol);
    sendIgnore(protocol); // queued behind NEWKEYS, never sent mid-KEX
    await rekeyed;
    assert.equal(sawKex, true);
    await waitUntil(() => debug.some((line) => line.includes("Received IGNORE")), {
      timeout: 2000,
      what: "the queued IGNORE",
    });
    assert.equal(inKeyExchange(protocol), false);
    await end(client);
    await test.close();
  });

  it("Session: _chanInfo ids and states, _channel once started, _ending after EOF; Channel _callbacks", async () => {
    const test = await startTestServer({});
    const { client, connection, liveness } = await connect(test);
    const internals = checkConnection(connection);
    assert.equal(socketOf(connection), internals._sock);
    assert.equal(liveness.info.user, "tester", "USERAUTH_REQUEST gave the user name");
    const stream = await exec(client, "sleep 5");
    const open = firstOpenChannel(internals);
    assert.ok(open);
    const session = channelAt(internals, open.local);
    assert.ok(session !== undefined && isSession(session));
    const sides = sidesOf(session);
    assert.equal(sides?.incoming.id, open.local);
    assert.equal(sides?.outgoing.id, (stream as unknown as { incoming: { id: number } }).incoming.id);
    assert.equal(sides?.outgoing.state, "open");
    assert.ok(session._channel !== undefined, "_channel is the started command's Channel");
    assert.equal(session._channel?.outgoing, sides?.outgoing, "the Channel shares the session's ids and states");
    assert.equal(channelCallbacks(session), 0, "_callbacks of the started Channel");
    assert.equal(session._ending, false);
    stream.end();
    await waitUntil(() => session._ending === true, { timeout: 2000, what: "_ending after the client's EOF" });
    stream.close();
    await end(client);
    await test.close();
  });

  it("a server nobody listens to still rejects connections, as ssh2 does on its own", async () => {
    const server = new ssh2.Server({ hostKeys: [generateHostKey()] });
    const liveness = attach(server, { watchdog: { timeout: 5000 } });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const client = new ssh2.Client();
    const outcome = await new Promise<string>((resolve) => {
      client.once("ready", () => resolve("ready"));
      client.once("error", (error) => resolve(`error: ${error.message}`));
      client.once("close", () => resolve("closed"));
      client.connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port, username: "x" });
    });
    assert.notEqual(outcome, "ready");
    await waitUntil(() => liveness.stats().open === 0, { timeout: 2000, what: "the connection to close" });
    liveness.detach();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("ssh2's own server keepalive neither probes nor ends an attached connection", async () => {
    // keepaliveInterval 100 ms × countMax 1 would end a quiet connection after 200 ms without tsalive.
    const test = await startTestServer({}, { config: { keepaliveInterval: 100, keepaliveCountMax: 1 } });
    const { client, debug } = await connect(test);
    const closed = new Promise((resolve) => client.once("close", () => resolve("closed")));
    const result = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve("open"), 1000))]);
    assert.equal(result, "open");
    assert.equal(debug.filter((line) => line.includes("keepalive@openssh.com")).length, 0, "no ssh2 pings");
    assert.equal(test.errors.length, 0);
    await end(client);
    await test.close();
  });
});
