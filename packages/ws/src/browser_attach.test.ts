import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import { attach, TIMEOUT_CLOSE_CODE } from "./browser_attach.ts";
import { BEAT_MESSAGE, PING_MESSAGE, PONG_MESSAGE } from "./framing.ts";

/** A standard WebSocket stand-in: an EventTarget that records what is sent and how it was closed. */
class FakeSocket extends EventTarget {
  readyState = 1;
  readonly sent: string[] = [];
  closed: [number | undefined, string | undefined] | undefined;
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closed = [code, reason];
    this.readyState = 2;
  }
  receive(data: unknown): void {
    this.dispatchEvent(new MessageEvent("message", { data }));
  }
}

const timeOf = (time: TestClock) => ({ time });

describe("attach (standard WebSocket)", () => {
  it("pings with messages and closes with 4000 at exactly last inbound message + (countMax + 1) · interval", () => {
    const time = new TestClock();
    const socket = new FakeSocket();
    const liveness = attach(socket, { probe: { interval: 1000, countMax: 2 }, ...timeOf(time) });
    time.advance(250);
    socket.receive("app data");
    time.advance(2999); // 3249: one ms before the bound
    assert.deepEqual(socket.sent, [PING_MESSAGE, PING_MESSAGE]);
    assert.equal(socket.closed, undefined);
    time.advance(1);
    assert.deepEqual(socket.closed, [TIMEOUT_CLOSE_CODE, "ALIVE_TIMEOUT"]);
    assert.equal(liveness.error?.silentFor, 3000);
    assert.equal(liveness.stats().monitor?.state, "expired");
  });

  it("matches pongs as replies with RTT, answers pings, and hides control messages from later listeners", () => {
    const time = new TestClock();
    const socket = new FakeSocket();
    const liveness = attach(socket, { probe: { interval: 1000 }, ...timeOf(time) });
    const seen: unknown[] = [];
    socket.addEventListener("message", (event) => seen.push((event as MessageEvent).data));
    time.advance(1000);
    time.advance(12);
    socket.receive(PONG_MESSAGE);
    socket.receive(PING_MESSAGE);
    socket.receive(BEAT_MESSAGE);
    socket.receive('{"tsalive": "ping"}');
    assert.deepEqual(seen, ['{"tsalive": "ping"}']);
    assert.deepEqual(socket.sent, [PING_MESSAGE, PONG_MESSAGE]);
    assert.equal(liveness.stats().monitor?.rtt?.last, 12);
    assert.equal(liveness.stats().answeredPings, 1);
  });

  it("heartbeats after outbound silence, which the application's send() postpones", () => {
    const time = new TestClock();
    const socket = new FakeSocket();
    attach(socket, { heartbeat: { interval: 1000 }, ...timeOf(time) });
    time.advance(500);
    socket.send("keys");
    time.advance(999);
    assert.deepEqual(socket.sent, ["keys"]);
    time.advance(1);
    assert.deepEqual(socket.sent, ["keys", BEAT_MESSAGE]);
  });

  it("starts at open, stops at close, and detach() removes every hook", () => {
    const time = new TestClock();
    const socket = new FakeSocket();
    socket.readyState = 0;
    const liveness = attach(socket, { watchdog: { timeout: 1000 }, heartbeat: { interval: 400 }, ...timeOf(time) });
    time.advance(5000);
    assert.equal(liveness.stats().monitor?.state, "created");
    socket.readyState = 1;
    socket.dispatchEvent(new Event("open"));
    time.advance(999);
    socket.dispatchEvent(new Event("close"));
    assert.equal(liveness.stats().monitor?.state, "stopped");
    assert.equal(time.pendingTimers, 0);
    assert.ok(!Object.hasOwn(socket, "send"));
    liveness.detach();
    assert.equal(liveness.attached, false);
  });

  it("refuses bad options and sockets", () => {
    assert.throws(() => attach(new FakeSocket(), { watchdog: { timeout: 0 } }), RangeError);
    assert.throws(() => attach({} as never), TypeError);
    const closed = new FakeSocket();
    closed.readyState = 3;
    assert.throws(() => attach(closed), /already closing or closed/);
  });
});
