import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LivenessError } from "./liveness_error.ts";
import { LivenessMonitor } from "./monitor.ts";
import { createSharedTimers } from "./shared_timers.ts";
import { TestClock } from "./testing/test_clock.ts";

describe("the send grid", () => {
  it("sends a probe on the next multiple of 4 ms and still expires at the exact bound", () => {
    const time = new TestClock(0);
    const probes: number[] = [];
    const expired: LivenessError[] = [];
    const monitor = new LivenessMonitor(
      { sendProbe: () => probes.push(time.now()) },
      { probe: { interval: 1000, countMax: 3 }, time },
    );
    monitor.on("expire", (error) => expired.push(error));
    monitor.start();
    time.advance(998);
    monitor.markInbound();
    time.advance(3999);
    // Due at 1998, 2998 and 3998.
    assert.deepEqual(probes, [2000, 3000, 4000]);
    assert.equal(expired.length, 0);
    time.advance(1);
    assert.equal(expired[0]?.code, "ALIVE_TIMEOUT");
    assert.equal(time.now(), 998 + 4 * 1000);
  });

  it("sends a heartbeat on the grid, never before its interval of outbound silence", () => {
    const time = new TestClock(0);
    const beats: number[] = [];
    const monitor = new LivenessMonitor(
      { sendHeartbeat: () => beats.push(time.now()) },
      { heartbeat: { interval: 5000 }, time },
    );
    monitor.start();
    time.advance(3);
    monitor.markOutbound();
    time.advance(10_010);
    assert.deepEqual(beats, [5004, 10_004]);
  });

  it("lets the sends of a thousand connections share at most 250 wake-ups a second", () => {
    const time = new TestClock(0);
    let wakes = 0;
    const counted = {
      now: () => time.now(),
      setTimeout: (callback: (arg: unknown) => void, delay: number, arg?: unknown) => {
        return time.setTimeout(
          (value: unknown) => {
            wakes++;
            callback(value);
          },
          delay,
          arg,
        );
      },
      clearTimeout: (handle: unknown) => time.clearTimeout(handle),
    };
    const timers = createSharedTimers({ time: counted });
    const sendTimes = new Set<number>();
    const monitors = Array.from(
      { length: 1000 },
      () =>
        new LivenessMonitor(
          { sendProbe: () => sendTimes.add(time.now()) },
          { probe: { interval: 1000, countMax: 3 }, time: timers },
        ),
    );
    // Each connection's last packet at its own millisecond of the first second.
    for (const monitor of monitors) {
      monitor.start();
      time.advance(1);
      monitor.markInbound();
    }
    wakes = 0;
    time.advance(1000);
    assert.ok(sendTimes.size <= 250, `${sendTimes.size} send instants`);
    assert.ok(wakes <= 251, `${wakes} wake-ups`);
    assert.equal(sendTimes.size > 0, true);
    for (const monitor of monitors) monitor.stop();
    assert.equal(timers.size, 0);
  });

  it("sends exactly below 100 ms intervals, where a grid step could pass a whole interval", () => {
    const time = new TestClock(0);
    const probes: number[] = [];
    const monitor = new LivenessMonitor(
      { sendProbe: () => probes.push(time.now()) },
      { probe: { interval: 3, countMax: 2 }, time, allowFastIntervals: true },
    );
    monitor.start();
    time.advance(1);
    monitor.markInbound();
    time.advance(20);
    assert.deepEqual(probes, [4, 7]);
    assert.equal(monitor.state, "expired");
  });
});
