import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logOf, newestSent, noteReply, noteSent, RTT_RING, type RttLog, rttStats } from "./_rtt_log.ts";

describe("RTT log", () => {
  it("is the first send time alone until a reply, then only the newest while each probe is answered", () => {
    const first = noteSent(undefined, 1, 0, 100);
    assert.equal(first, 100);
    assert.equal(rttStats(first), undefined);
    let log = logOf(first);
    assert.equal(noteReply(log, 1, 1, 140), 40);
    log = logOf(noteSent(log, 2, 1, 1140));
    assert.equal(noteReply(log, 2, 2, 1165), 25);
    assert.equal(log.length, 6);
    assert.equal(newestSent(log), 1140);
    assert.deepEqual(rttStats(log), { last: 25, min: 25, avg: 32.5, max: 40, samples: 2 });
  });

  it("makes the ring when a second probe goes out unanswered, and drops it once none awaits", () => {
    let sent: RttLog | number | undefined;
    for (let index = 1; index <= 3; index++) sent = noteSent(sent, index, 0, index * 10);
    const log = logOf(sent as RttLog | number);
    assert.ok(log.length > 6);
    assert.equal(newestSent(log), 30);
    assert.deepEqual(
      [1, 2, 3].map((index) => noteReply(log, index, 3, 35)),
      [25, 15, 5],
    );
    const after = logOf(noteSent(log, 4, 3, 40));
    assert.equal(after.length, 6);
    assert.equal(noteReply(after, 4, 4, 41), 1);
    assert.equal(rttStats(after)?.samples, 4);
  });

  it("matches a reply only to one of the last RTT_RING probes, and none past the probes sent", () => {
    let sent: RttLog | number | undefined;
    const count = RTT_RING + 1;
    for (let index = 1; index <= count; index++) sent = noteSent(sent, index, 0, index);
    const log = logOf(sent as RttLog | number);
    assert.equal(noteReply(log, 1, count, 100), undefined, "overwritten in the ring");
    assert.equal(noteReply(log, 2, count, 100), 98);
    assert.equal(noteReply(log, count + 1, count, 100), undefined);
    assert.equal(noteReply(undefined, 1, 0, 100), undefined);
    assert.equal(rttStats(log)?.samples, 1);
    assert.equal(rttStats(undefined), undefined);
    assert.equal(newestSent(undefined), 0);
  });
});
