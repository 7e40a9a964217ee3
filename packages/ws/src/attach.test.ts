import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import { attach } from "./attach.ts";
import { PING_MESSAGE, PONG_MESSAGE } from "./framing.ts";

/** A stand-in for a `ws` WebSocket: an EventEmitter with its methods recorded and a fake net.Socket under it. */
class FakeWs extends EventEmitter {
  readyState = 1;
  readonly pings: string[] = [];
  readonly pongs: string[] = [];
  readonly sent: string[] = [];
  terminated = 0;
  _socket: EventEmitter | undefined = new EventEmitter();
  ping(data?: Uint8Array): void {
    this.pings.push(Buffer.from(data ?? []).toString());
  }
  pong(data?: Uint8Array): void {
    this.pongs.push(Buffer.from(data ?? []).toString());
  }
  send(data: string): void {
    this.sent.push(data);
  }
  terminate(): void {
    this.terminated++;
    this.readyState = 3;
  }
  /** Bytes arrive on the TCP socket. */
  bytes(): void {
    this._socket?.emit("data", Buffer.alloc(1));
  }
}

const timeOf = (time: TestClock) => ({ time });

describe("attach (ws, Node)", () => {
  it("probes with ping frames and terminates at exactly last inbound byte + (countMax + 1) · interval", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    const liveness = attach(socket as never, { probe: { interval: 1000, countMax: 2 }, ...timeOf(time) });
    const timeouts: string[] = [];
    liveness.on("timeout", (error) => timeouts.push(error.code));
    time.advance(500);
    socket.bytes();
    time.advance(1000);
    assert.deepEqual(socket.pings, [""]);
    time.advance(1999); // 3499: one ms before the bound
    assert.deepEqual(socket.pings, ["", ""]);
    assert.equal(socket.terminated, 0);
    time.advance(1);
    assert.equal(socket.terminated, 1);
    assert.deepEqual(timeouts, ["ALIVE_TIMEOUT"]);
    assert.equal(liveness.error?.silentFor, 3000);
    assert.equal(liveness.error?.unansweredProbes, 2);
    assert.match(liveness.error?.message ?? "", /nothing received for 3000 ms, 2 probes unanswered/);
    assert.equal(liveness.stats().activity, "bytes");
  });

  it("marks activity per chunk of bytes, before any frame completes", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    attach(socket as never, { probe: { interval: 1000, countMax: 0 }, ...timeOf(time) });
    for (let i = 0; i < 10; i++) {
      time.advance(900);
      socket.bytes(); // a bulk frame still arriving: no 'message' yet
    }
    assert.equal(socket.terminated, 0);
    assert.deepEqual(socket.pings, []);
  });

  it("takes an empty pong while its ping is out as the reply, with RTT; other pongs are not replies", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    const liveness = attach(socket as never, { probe: { interval: 1000 }, ...timeOf(time) });
    const rtts: (number | undefined)[] = [];
    liveness.on("reply", ({ rtt }) => rtts.push(rtt));
    socket.emit("pong", Buffer.from("")); // no ping of ours out yet
    time.advance(1000);
    assert.deepEqual(socket.pings, [""]);
    socket.emit("pong", Buffer.from("tsalive")); // a tsalive peer's heartbeat
    assert.equal(liveness.stats().monitor?.replies, 0);
    time.advance(7);
    socket.emit("pong", Buffer.from(""));
    socket.emit("pong", Buffer.from("")); // a second answer to one ping
    assert.deepEqual(rtts, [7]);
    assert.equal(liveness.stats().monitor?.rtt?.last, 7);
  });

  it("sends an unsolicited pong as heartbeat after outbound silence; the application's send() postpones it", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    attach(socket as never, { heartbeat: { interval: 1000 }, ...timeOf(time) });
    time.advance(600);
    socket.send("data");
    time.advance(999);
    assert.deepEqual(socket.pongs, []);
    time.advance(1);
    assert.deepEqual(socket.pongs, ["tsalive"]);
  });

  it("runs the watchdog and the reply-timeout mode", () => {
    const time = new TestClock();
    const watched = new FakeWs();
    attach(watched as never, { watchdog: { timeout: 2000 }, ...timeOf(time) });
    const replied = new FakeWs();
    const liveness = attach(replied as never, { probe: { interval: 1000, replyTimeout: 300 }, ...timeOf(time) });
    time.advance(1299);
    assert.equal(replied.terminated, 0);
    time.advance(1);
    assert.equal(liveness.error?.code, "REPLY_TIMEOUT");
    time.advance(699);
    assert.equal(watched.terminated, 0);
    time.advance(1);
    assert.equal(watched.terminated, 1);
  });

  it("probes with app-level messages when asked, answers the peer's, and hides them from the application", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    const liveness = attach(socket as never, { probe: { interval: 1000 }, probeWith: "message", ...timeOf(time) });
    const seen: string[] = [];
    socket.on("message", (data: Buffer) => seen.push(data.toString()));
    time.advance(1000);
    assert.deepEqual(socket.sent, [PING_MESSAGE]);
    assert.deepEqual(socket.pings, []);
    time.advance(4);
    socket.emit("message", Buffer.from(PONG_MESSAGE), false);
    socket.emit("message", Buffer.from(PING_MESSAGE), false);
    socket.emit("message", Buffer.from("hello"), false);
    socket.emit("message", Buffer.from(PING_MESSAGE), true); // binary: the application's
    assert.deepEqual(seen, ["hello", PING_MESSAGE]);
    assert.deepEqual(socket.sent, [PING_MESSAGE, PONG_MESSAGE]);
    assert.equal(liveness.stats().monitor?.rtt?.last, 4);
    assert.equal(liveness.stats().answeredPings, 1);
  });

  it("passes control messages through with answerMessages: false", () => {
    const socket = new FakeWs();
    attach(socket as never, { answerMessages: false });
    const seen: string[] = [];
    socket.on("message", (data: Buffer) => seen.push(data.toString()));
    socket.emit("message", Buffer.from(PING_MESSAGE), false);
    assert.deepEqual(seen, [PING_MESSAGE]);
    assert.deepEqual(socket.sent, []);
  });

  it("starts when a connecting socket opens, and marks frames when ws exposes no TCP socket", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    socket.readyState = 0;
    socket._socket = undefined;
    const liveness = attach(socket as never, { probe: { interval: 1000, countMax: 1 }, ...timeOf(time) });
    time.advance(5000);
    assert.deepEqual(socket.pings, []);
    socket.readyState = 1;
    socket.emit("open");
    assert.equal(liveness.stats().activity, "frames");
    time.advance(1500);
    socket.emit("message", Buffer.from("x"), false);
    time.advance(1999);
    assert.equal(socket.terminated, 0);
    time.advance(1);
    assert.equal(socket.terminated, 1);
  });

  it("detach() restores the socket exactly and stops the monitor", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    const liveness = attach(socket as never, {
      probe: { interval: 1000 },
      heartbeat: { interval: 500 },
      ...timeOf(time),
    });
    assert.ok(Object.hasOwn(socket, "emit"));
    liveness.detach();
    assert.ok(!Object.hasOwn(socket, "emit"));
    assert.ok(!Object.hasOwn(socket, "send"));
    assert.equal(socket.listenerCount("close"), 0);
    assert.equal(socket._socket?.listenerCount("data"), 0);
    assert.equal(time.pendingTimers, 0);
    time.advance(10_000);
    assert.deepEqual(socket.pings, []);
    assert.equal(liveness.stats().attached, false);
    attach(socket as never).detach(); // attachable again
  });

  it("stops at the socket's close, and refuses bad options, closed sockets and a second attach", () => {
    const time = new TestClock();
    const socket = new FakeWs();
    const liveness = attach(socket as never, { probe: { interval: 1000 }, ...timeOf(time) });
    assert.throws(() => attach(socket as never), /already attached/);
    socket.readyState = 3;
    socket.emit("close");
    assert.equal(liveness.stats().monitor?.state, "stopped");
    assert.equal(time.pendingTimers, 0);
    assert.throws(() => attach(new FakeWs() as never, { probeWith: "pong" as never }), {
      name: "RangeError",
      message: 'Cannot attach to WebSocket: "probeWith" must be "ping" or "message", received "pong"',
    });
    assert.throws(() => attach(new FakeWs() as never, { probe: { interval: -1 } }), RangeError);
    assert.throws(() => attach(new FakeWs() as never, { probe: { interval: 50 } }), /at least 100/);
    assert.throws(() => attach(new FakeWs() as never, { keepaliveInterval: 1000 } as never), RangeError);
    assert.throws(() => attach(new FakeWs() as never, { idle: { timeout: 1000 } } as never), {
      message: 'Cannot attach to WebSocket: "idle" is not supported on WebSocket, received {"timeout":1000}',
    });
    const closed = new FakeWs();
    closed.readyState = 3;
    assert.throws(() => attach(closed as never), /already closing or closed/);
    assert.throws(() => attach({} as never), TypeError);
  });
});
