import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import type { WsLiveness } from "@tsalive/ws";
import type { WebSocket } from "ws";
import { resolveOptions } from "./options.ts";
import { TerminalSession } from "./session.ts";
import type { SshLeg } from "./ssh.ts";

/** A page's socket: what the session sent to it, and how it was closed. */
class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  readonly messages: unknown[] = [];
  readonly bytes: number[] = [];
  closedWith: number | undefined;
  send(data: string | Uint8Array): void {
    if (typeof data === "string") this.messages.push(JSON.parse(data));
    else this.bytes.push(...data);
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  get text(): string {
    return Buffer.from(this.bytes).toString("utf8");
  }
}

/** The SSH leg: a channel that can be paused, and a client whose end() closes it. */
function fakeLeg() {
  const stream = Object.assign(new EventEmitter(), {
    stderr: new EventEmitter(),
    paused: false,
    written: [] as string[],
    pause() {
      stream.paused = true;
    },
    resume() {
      stream.paused = false;
    },
    write(data: Buffer) {
      stream.written.push(data.toString());
    },
    setWindow() {},
  });
  const calls: string[] = [];
  let close: (value: { reason: string; dead: boolean }) => void = () => {};
  const closed = new Promise<{ reason: string; dead: boolean }>((resolve) => {
    close = resolve;
  });
  const leg = {
    client: { end: () => calls.push("end"), destroy: () => calls.push("destroy") },
    liveness: new EventEmitter(),
    stream,
    closed,
  };
  return { leg: leg as unknown as SshLeg, stream, calls, close };
}

const liveness = { on: () => () => {} } as unknown as WsLiveness;
const socketOf = (fake: FakeSocket) => fake as unknown as WebSocket;
const target = {} as never;

function setup(options: { grace?: number; replayBytes?: number } = {}) {
  const clock = new TestClock();
  const resolved = resolveOptions({ target, timers: clock, grace: options.grace ?? 5000, ...options });
  const ssh = fakeLeg();
  const ended: string[] = [];
  const session = new TerminalSession("s1", ssh.leg, resolved, (_s, reason) => ended.push(reason));
  const page = new FakeSocket();
  session.open(socketOf(page), liveness, "me@host");
  const token = (page.messages[0] as { token: string }).token;
  return { clock, ssh, session, page, ended, token };
}

describe("TerminalSession", () => {
  it("keeps the session for exactly the grace period after the page's leg dies, then closes the SSH connection", () => {
    const { clock, ssh, session, page, ended } = setup({ grace: 5000 });
    session.closed(socketOf(page), false);
    assert.equal(session.state, "detached");
    clock.advance(4999);
    assert.equal(session.state, "detached");
    clock.advance(1);
    assert.equal(session.state, "ended");
    assert.deepEqual(ended, ["no page for 5 s (the grace period): session closed"]);
    assert.deepEqual(ssh.calls, ["end"]);
    clock.advance(2000);
    assert.deepEqual(ssh.calls, ["end", "destroy"], "a connection that does not close is destroyed");
  });

  it("ends at once on a clean close", () => {
    const { session, page, ended } = setup();
    session.closed(socketOf(page), true);
    assert.deepEqual(ended, ["session closed by the page"]);
  });

  it("reattaches with the token once, replays what the page missed, and refuses the token again", () => {
    const { clock, ssh, session, page, token } = setup();
    ssh.stream.emit("data", Buffer.from("seen "));
    session.closed(socketOf(page), false);
    ssh.stream.emit("data", Buffer.from("missed"));
    clock.advance(1000);
    const next = new FakeSocket();
    assert.equal(session.resume(socketOf(next), liveness, "x".repeat(43), 5), "token refused: wrong or already used");
    assert.equal(
      session.resume(socketOf(next), liveness, token, 99),
      "token refused: the page claims 99 bytes of output, there were 11",
    );
    assert.equal(session.resume(socketOf(next), liveness, token, 5), undefined);
    const resumed = next.messages[0] as { t: string; token: string; dropped: number };
    assert.equal(resumed.t, "resumed");
    assert.equal(resumed.dropped, 0);
    assert.notEqual(resumed.token, token, "a fresh token for the next reattach");
    assert.equal(next.text, "missed");
    assert.equal(session.state, "attached");
    clock.advance(10_000);
    assert.equal(session.state, "attached", "the grace timer is gone");
    const third = new FakeSocket();
    assert.equal(session.resume(socketOf(third), liveness, token, 11), "token refused: wrong or already used");
    // The new token replaces the page still attached.
    assert.equal(session.resume(socketOf(third), liveness, resumed.token, 11), undefined);
    assert.equal(next.closedWith, 4003);
  });

  it("says how much output fell out of the replay buffer", () => {
    const { ssh, session, page, token } = setup({ replayBytes: 1024 });
    session.closed(socketOf(page), false);
    ssh.stream.emit("data", Buffer.alloc(3000, "x"));
    const next = new FakeSocket();
    assert.equal(session.resume(socketOf(next), liveness, token, 0), undefined);
    assert.equal((next.messages[0] as { dropped: number }).dropped, 3000 - 1024);
    assert.equal(next.bytes.length, 1024);
  });

  it("pauses the SSH channel a window ahead of the page's acks, and resumes at half a window", () => {
    const { ssh, session } = setup({ replayBytes: 4096 }); // window: 1024
    ssh.stream.emit("data", Buffer.alloc(1024));
    assert.equal(ssh.stream.paused, false);
    ssh.stream.emit("data", Buffer.alloc(1));
    assert.equal(ssh.stream.paused, true);
    session.ack(400);
    assert.equal(ssh.stream.paused, true);
    session.ack(600);
    assert.equal(ssh.stream.paused, false);
  });

  it("tells the page when the SSH leg died, in its own words", async () => {
    const { ssh, page, ended } = setup();
    ssh.close({ reason: "Timeout, server host not responding.", dead: true });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(page.messages.at(-1), {
      t: "ended",
      reason: "Timeout, server host not responding.",
      sshDown: true,
    });
    assert.equal(page.closedWith, 4002);
    assert.deepEqual(ended, ["Timeout, server host not responding."]);
  });
});
