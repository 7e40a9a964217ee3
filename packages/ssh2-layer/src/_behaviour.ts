/**
 * The one behaviour suite both adapters run (unjs/unstorage's `testDriver()` is the model): each adapter's
 * `behaviour.test.ts` attaches to a fake ssh2 connection over {@linkcode fakeProtocol} under the TestClock, and this
 * suite drives it. It takes milliseconds; the real-peer tests in each adapter's `test/` stay the integration judge.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import type { FakeProtocol } from "./_fake_protocol.ts";

/** A fake ssh2 connection: its protocol and socket (the adapter's harness wraps them in a Client or Connection). */
export interface FakeConnection {
  readonly protocol: FakeProtocol;
  readonly socket: Socket;
}

/** One attached fake connection, as an adapter's harness builds it. */
export interface Attached extends FakeConnection {
  /** The `timeout` events so far, by code. */
  readonly timeouts: string[];
  /** The peer answers our oldest outstanding global request (REQUEST_SUCCESS), as ssh2 hands it on. */
  replyToGlobal(): void;
  /** ssh2 itself sends a want-reply global request of its own on the shared FIFO; returns whether it was answered. */
  ownGlobalRequest(): (() => boolean) | undefined;
  detach(): void;
}

/** The test clock's side the suite uses (core's TestClock). */
export interface Advance {
  advance(ms: number): void;
}

export interface Harness<T extends Advance> {
  /** A fresh fake connection, authenticated already. */
  connection(): FakeConnection;
  /** Attaches the adapter to `connection` with ClientAlive/ServerAlive `probe` on `time`. */
  attach(
    connection: FakeConnection,
    time: T,
    probe: { readonly interval: number; readonly countMax: number },
  ): Attached;
  /**
   * Attaches with a watchdog of `timeout` ms (an adapter without one leaves this out); `order` collects `timeout`,
   * `watchdog` (the processes are stopped) and `destroyed` (the socket), in the order they happen.
   */
  watchdog?(connection: FakeConnection, time: T, timeout: number): { readonly order: string[]; detach(): void };
  /**
   * The channel states in which ssh2 leaves a want-reply channel request unanswered on this side (the client:
   * `opening`, `exited`; the server: `started`, `ending`), and a way to deliver such a request: it opens a channel in
   * `state`, delivers `keepalive@openssh.com` want-reply on it as ssh2 would, completes whatever the state waits for
   * (the open confirmation), and returns the peer's channel id the answer must go to.
   */
  readonly silentStates: readonly string[];
  requestIn(attached: Attached, state: string): number;
}

const GLOBAL_REQUEST = 80;

/** Every function-valued own property of the objects an adapter hooks, to compare before attach and after detach. */
function snapshot(connection: FakeConnection): Map<string, unknown> {
  const { protocol, socket } = connection;
  const seen = new Map<string, unknown>();
  for (const [name, target] of [
    ["protocol", protocol],
    ["handlers", protocol._handlers],
    ["socket", socket],
  ] as const) {
    for (const key of Object.keys(target)) {
      const value = (target as Record<string, unknown>)[key];
      if (typeof value === "function") seen.set(`${name}.${key}`, value);
    }
    if (name === "socket") {
      seen.set("socket.write", socket.write);
      // Not 'close': the server adapter keeps it after detach, to stop the connection's processes when it closes.
      for (const event of ["data", "end", "error"]) seen.set(`listeners:${event}`, socket.listenerCount(event));
    }
  }
  return seen;
}

const globals = (protocol: FakeProtocol): number => protocol.sent.filter((p) => p[0] === GLOBAL_REQUEST).length;

/** Runs the behaviour suite against one adapter. */
export function describeAdapter<T extends Advance>(name: string, harness: Harness<T>, makeClock: () => T): void {
  describe(`${name}: behaviour on a fake ssh2 protocol`, () => {
    it("probes after an interval of silence, and gives up after countMax unanswered probes", () => {
      const time = makeClock();
      const attached = harness.attach(harness.connection(), time, { interval: 1000, countMax: 2 });
      time.advance(999);
      assert.equal(globals(attached.protocol), 0);
      time.advance(1);
      assert.equal(globals(attached.protocol), 1);
      time.advance(1000);
      assert.deepEqual([globals(attached.protocol), attached.timeouts], [2, []]);
      time.advance(1000);
      assert.deepEqual(attached.timeouts, ["ALIVE_TIMEOUT"]);
      assert.equal(attached.socket.destroyed, true);
      attached.detach();
    });

    it("a reply to a probe keeps the connection, in order with ssh2's own requests on the shared FIFO", () => {
      const time = makeClock();
      const attached = harness.attach(harness.connection(), time, { interval: 1000, countMax: 1 });
      const own = attached.ownGlobalRequest();
      time.advance(1000); // our probe goes out behind ssh2's request
      if (own !== undefined) {
        attached.replyToGlobal(); // answers ssh2's request, not our probe
        assert.equal(own(), true, "ssh2's own request got the first reply");
      }
      time.advance(999);
      attached.replyToGlobal(); // answers our probe
      time.advance(1500);
      assert.deepEqual(attached.timeouts, [], "the probe's reply proved the peer alive");
      time.advance(2000);
      assert.deepEqual(attached.timeouts, ["ALIVE_TIMEOUT"]);
      attached.detach();
    });

    it("a key exchange is no silence: bytes count, and a probe waits in ssh2's queue until NEWKEYS", () => {
      const time = makeClock();
      const attached = harness.attach(harness.connection(), time, { interval: 1000, countMax: 1 });
      attached.protocol.startKeyExchange();
      for (let i = 0; i < 10; i++) {
        time.advance(500);
        attached.socket.emit("data", Buffer.from("k"));
      }
      assert.deepEqual(attached.timeouts, []);
      time.advance(1000);
      assert.equal(globals(attached.protocol), 0, "the probe is queued during the key exchange");
      attached.protocol.endKeyExchange();
      assert.equal(globals(attached.protocol), 1);
      attached.detach();
    });

    it("inbound packets reset the silence", () => {
      const time = makeClock();
      const attached = harness.attach(harness.connection(), time, { interval: 1000, countMax: 0 });
      for (let i = 0; i < 5; i++) {
        time.advance(900);
        attached.protocol._onPacket();
      }
      assert.deepEqual(attached.timeouts, []);
      attached.detach();
    });

    const watchdog = harness.watchdog?.bind(harness);
    it("the watchdog reports, then stops the processes, then destroys the socket", { skip: !watchdog }, async () => {
      const time = makeClock();
      const attached = (watchdog as NonNullable<typeof watchdog>)(harness.connection(), time, 1000);
      time.advance(999);
      assert.deepEqual(attached.order, []);
      time.advance(1);
      for (let i = 0; i < 10 && attached.order.length < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(attached.order, ["timeout", "watchdog", "destroyed"]);
      attached.detach();
    });

    for (const state of harness.silentStates) {
      it(`answers a want-reply channel request ssh2 leaves silent: ${state} channel`, () => {
        const time = makeClock();
        const attached = harness.attach(harness.connection(), time, { interval: 1000, countMax: 1 });
        const before = attached.protocol.sent.length;
        const peer = harness.requestIn(attached, state);
        const replies = attached.protocol.sent.slice(before).filter((p) => p[0] === 99 || p[0] === 100);
        assert.deepEqual(
          replies.map((p) => [p[0] === 99 ? "success" : "failure", p.readUInt32BE(1)]),
          [[state === "exit-request" ? "success" : "failure", peer]],
        );
        attached.detach();
      });
    }

    it("detach restores every internal it hooked, and stops the monitor", () => {
      const time = makeClock();
      const connection = harness.connection();
      const before = snapshot(connection);
      const attached = harness.attach(connection, time, { interval: 1000, countMax: 1 });
      assert.notDeepEqual(snapshot(connection), before, "attach hooked something");
      attached.detach();
      assert.deepEqual(snapshot(connection), before);
      time.advance(10_000);
      assert.deepEqual([attached.timeouts, globals(connection.protocol)], [[], 0]);
    });
  });
}
