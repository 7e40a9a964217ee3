import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import { type ChannelOwner, type ChannelRecord, ChannelRegistry } from "./_channels.ts";

function registry(options: Partial<Pick<ChannelOwner, "channelTimeout" | "unusedConnectionTimeout">>) {
  const time = new TestClock();
  const timedOut: string[] = [];
  let unused = 0;
  const channels = new ChannelRegistry({
    channelTimeout: options.channelTimeout ?? [],
    unusedConnectionTimeout: options.unusedConnectionTimeout,
    common: { time },
    channelTimedOut: (record: ChannelRecord) => timedOut.push(`${record.local}:${record.label}`),
    unused: () => unused++,
  });
  return { time, channels, timedOut, unused: () => unused };
}

describe("ChannelRegistry", () => {
  it("UnusedConnectionTimeout: expires after the timeout with no channel, counted from the last close", () => {
    const { time, channels, unused } = registry({ unusedConnectionTimeout: 1000 });
    time.advance(600);
    channels.open(0, 10, "session");
    time.advance(5000);
    assert.equal(unused(), 0, "an open channel keeps the connection in use");
    channels.close(0);
    time.advance(999);
    assert.equal(unused(), 0);
    time.advance(1);
    assert.equal(unused(), 1);
  });

  it("ChannelTimeout: data either way postpones it; keyed by label, first match wins, 0 exempts", () => {
    const { time, channels, timedOut } = registry({
      channelTimeout: [
        ["session:shell", 0],
        ["session:*", 1000],
        ["direct-tcpip", 300],
      ],
    });
    channels.open(0, 20, "session");
    channels.open(1, 21, "direct-tcpip");
    channels.open(2, 22, "session");
    assert.equal(channels.monitored, 1, "a bare `session` matches no session:* pattern");
    channels.relabel(0, "session:command");
    channels.relabel(2, "session:shell");
    assert.equal(channels.monitored, 2, "session:shell is exempt");
    time.advance(200);
    channels.inbound(1); // data from the client on our channel 1
    time.advance(200);
    channels.outbound(21); // data we sent to the client's channel 21
    time.advance(299);
    assert.deepEqual(timedOut, []);
    time.advance(1);
    assert.deepEqual(timedOut, ["1:direct-tcpip"]);
    time.advance(300);
    assert.deepEqual(timedOut, ["1:direct-tcpip", "0:session:command"]);
  });

  it("dispose stops every monitor and ignores later opens", () => {
    const { time, channels, timedOut, unused } = registry({
      channelTimeout: [["*", 100]],
      unusedConnectionTimeout: 100,
    });
    channels.open(0, 1, "session");
    channels.dispose();
    channels.open(1, 2, "session");
    assert.equal(channels.size, 0);
    assert.equal(time.pendingTimers, 0);
    time.advance(1000);
    assert.deepEqual(timedOut, []);
    assert.equal(unused(), 0);
  });

  it("list(): every open channel with its type and label; idle time only where a ChannelTimeout monitor watches", () => {
    const { time, channels } = registry({ channelTimeout: [["session:*", 10_000]] });
    channels.open(0, 10, "session");
    channels.open(1, 11, "x11");
    channels.relabel(0, "session:shell");
    time.advance(700);
    channels.outbound(10);
    time.advance(300);
    assert.deepEqual(channels.list(), [
      { id: 0, type: "session", label: "session:shell", idleMs: 300 },
      { id: 1, type: "x11", label: "x11-connection", idleMs: undefined },
    ]);
    channels.close(0);
    assert.deepEqual(
      channels.list().map(({ id }) => id),
      [1],
    );
  });
});
