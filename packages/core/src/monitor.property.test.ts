import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LivenessMonitor } from "./monitor.ts";
import { TestClock } from "./testing/test_clock.ts";

/** A trace: strictly increasing times of inbound (and outbound) packets, then a horizon to run to. */
const trace = fc
  .record({
    interval: fc.integer({ min: 1, max: 1000 }),
    countMax: fc.integer({ min: 0, max: 5 }),
    inboundGaps: fc.array(fc.integer({ min: 1, max: 4000 }), { maxLength: 40 }),
    outboundGaps: fc.array(fc.integer({ min: 1, max: 4000 }), { maxLength: 40 }),
    tail: fc.integer({ min: 0, max: 20_000 }),
  })
  .map((t) => ({ ...t, inbound: cumulative(t.inboundGaps), outbound: cumulative(t.outboundGaps) }));

function cumulative(gaps: readonly number[]): number[] {
  let sum = 0;
  return gaps.map((gap) => (sum += gap));
}

type Event = { at: number; dir: "in" | "out" };

/** Replays inbound and outbound marks at their times on a monitor started at 0. */
function replay(monitor: LivenessMonitor, time: TestClock, inbound: number[], outbound: number[], end: number): void {
  const events: Event[] = [
    ...inbound.map((at): Event => ({ at, dir: "in" })),
    ...outbound.map((at): Event => ({ at, dir: "out" })),
  ].sort((a, b) => a.at - b.at);
  monitor.start();
  for (const { at, dir } of events) {
    if (at > end) break;
    time.advance(at - time.now());
    if (dir === "in") monitor.markInbound();
    else monitor.markOutbound();
  }
  time.advance(end - time.now());
}

/**
 * When a send due at `at` goes out: from 100 ms intervals on, at the next multiple of 4 ms (the monitor batches its
 * sends so that thousands of connections share event-loop wake-ups); faster intervals send exactly.
 */
function sendAt(at: number, interval: number): number {
  return interval < 100 ? at : Math.ceil(at / 4) * 4;
}

/**
 * Checks the sends of one silence, from a packet at `last` to the next at `t` (a send at `t` itself belongs to this
 * silence: timers fire before the packet is read): the k-th goes out no earlier than its due time `last + k·I` and
 * no later than its place on the grid. A send whose grid place is not after `t` must have gone; one due after `t`
 * must not have. Between those, the monitor sends one it finds due while awake for another reason (never early),
 * else waits for the grid. Returns how many of `sends` it checked.
 */
function checkSends(sends: readonly number[], from: number, last: number, t: number, interval: number, most: number) {
  let k = 0;
  while (from + k < sends.length && (sends[from + k] as number) <= t && k < most) {
    const at = sends[from + k] as number;
    const due = last + (k + 1) * interval;
    assert.ok(at >= due && at <= sendAt(due, interval), `send ${k + 1} after ${last} at ${at}, due ${due}`);
    k++;
  }
  if (k < most) assert.ok(sendAt(last + (k + 1) * interval, interval) > t, `send ${k + 1} after ${last} missing`);
  return k;
}

/** The first instant some inbound silence reaches `bound`, counting from 0, or undefined. */
function firstDeath(inbound: readonly number[], bound: number, end: number): number | undefined {
  let last = 0;
  for (const t of [...inbound, Number.POSITIVE_INFINITY]) {
    if (last + bound <= Math.min(t, end)) return last + bound;
    last = t;
  }
  return undefined;
}

describe("probe monitor, property", () => {
  it("expires iff an inbound gap reaches (C+1)·I, at that instant, after C probes in that gap", () => {
    fc.assert(
      fc.property(trace, ({ interval, countMax, inbound, outbound, tail }) => {
        const time = new TestClock(0);
        const probes: number[] = [];
        let expiredAt: number | undefined;
        const monitor = new LivenessMonitor(
          { sendProbe: () => probes.push(time.now()) },
          { probe: { interval, countMax }, time, allowFastIntervals: true },
        );
        monitor.on("expire", () => (expiredAt = time.now()));
        const end = (inbound.at(-1) ?? 0) + tail;
        replay(monitor, time, inbound, outbound, end);

        const bound = (countMax + 1) * interval;
        const death = firstDeath(inbound, bound, end);
        assert.equal(expiredAt, death);
        // Probes: for k = 1..C in each silence up to the death, at last + k·I or up to its place on the grid.
        let checked = 0;
        let last = 0;
        for (const t of [...inbound.filter((t) => t <= end), end]) {
          const until = death === last + bound ? death : t;
          checked += checkSends(probes, checked, last, until, interval, countMax);
          if (death === last + bound) break;
          last = t;
        }
        assert.equal(checked, probes.length, `probes after the death or out of place: ${probes.join(", ")}`);
      }),
      { numRuns: 500 },
    );
  });

  it("replyTimeout: expires iff an inbound gap reaches I + T, after one probe at I into each long enough gap", () => {
    fc.assert(
      fc.property(trace, fc.integer({ min: 1, max: 2000 }), ({ interval, inbound, outbound, tail }, replyTimeout) => {
        const time = new TestClock(0);
        const probes: number[] = [];
        let expiredAt: number | undefined;
        const monitor = new LivenessMonitor(
          { sendProbe: () => probes.push(time.now()) },
          { probe: { interval, replyTimeout }, time, allowFastIntervals: true },
        );
        monitor.on("expire", () => (expiredAt = time.now()));
        const end = (inbound.at(-1) ?? 0) + tail;
        replay(monitor, time, inbound, outbound, end);

        // One probe at I into each long enough silence (up to its place on the grid); the reply deadline counts
        // from the probe as sent.
        let death: number | undefined;
        let checked = 0;
        let last = 0;
        for (const t of [...inbound.filter((t) => t <= end), end]) {
          const sent = checkSends(probes, checked, last, t, interval, 1);
          const probe = probes[checked];
          checked += sent;
          if (sent === 1 && probe !== undefined && probe + replyTimeout <= Math.min(t, end)) {
            death = probe + replyTimeout;
            break;
          }
          last = t;
        }
        assert.equal(expiredAt, death);
        assert.equal(checked, probes.length, `probes out of place: ${probes.join(", ")}`);
      }),
      { numRuns: 500 },
    );
  });

  it("with countMax 0 and zeroCountMax 'never' never expires and probes every I of silence", () => {
    fc.assert(
      fc.property(trace, ({ interval, inbound, outbound, tail }) => {
        const time = new TestClock(0);
        const probes: number[] = [];
        const monitor = new LivenessMonitor(
          { sendProbe: () => probes.push(time.now()) },
          { probe: { interval, countMax: 0, zeroCountMax: "never" }, time, allowFastIntervals: true },
        );
        const end = (inbound.at(-1) ?? 0) + tail;
        replay(monitor, time, inbound, outbound, end);
        assert.notEqual(monitor.state, "expired");
        let checked = 0;
        let last = 0;
        for (const t of [...inbound.filter((t) => t <= end), end]) {
          checked += checkSends(probes, checked, last, t, interval, Number.POSITIVE_INFINITY);
          last = t;
        }
        assert.equal(checked, probes.length);
      }),
      { numRuns: 300 },
    );
  });

  it("the watchdog expires iff an inbound gap reaches its timeout, whatever is sent", () => {
    fc.assert(
      fc.property(trace, ({ interval, inbound, outbound, tail }) => {
        const time = new TestClock(0);
        let expiredAt: number | undefined;
        const timeout = interval * 3;
        const monitor = new LivenessMonitor({}, { watchdog: { timeout }, time, allowFastIntervals: true });
        monitor.on("expire", () => (expiredAt = time.now()));
        const end = (inbound.at(-1) ?? 0) + tail;
        replay(monitor, time, inbound, outbound, end);
        assert.equal(expiredAt, firstDeath(inbound, timeout, end));
      }),
      { numRuns: 300 },
    );
  });

  it("heartbeats go out at each interval of outbound silence, on the send grid", () => {
    fc.assert(
      fc.property(trace, ({ interval, inbound, outbound, tail }) => {
        const time = new TestClock(0);
        const beats: number[] = [];
        const monitor = new LivenessMonitor(
          { sendHeartbeat: () => beats.push(time.now()) },
          { heartbeat: { interval }, time, allowFastIntervals: true },
        );
        const end = (outbound.at(-1) ?? 0) + tail;
        replay(monitor, time, inbound, outbound, end);
        const expected: number[] = [];
        let last = 0;
        for (const t of [...outbound, end]) {
          // Each heartbeat restarts the outbound silence, so the grid's wait adds up from one to the next.
          for (let beat = sendAt(last + interval, interval); beat <= t && beat <= end; ) {
            expected.push(beat);
            beat = sendAt(beat + interval, interval);
          }
          last = t;
        }
        // A heartbeat due at the same instant as a packet goes out first; the packet then restarts the silence.
        assert.deepEqual(beats, expected);
      }),
      { numRuns: 300 },
    );
  });
});
