import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LivenessMonitor } from "./monitor.ts";
import type { MonitorOptions } from "./options.ts";
import { TestClock } from "./testing/test_clock.ts";

function setup(options: Omit<MonitorOptions, "clock" | "timers">) {
  const time = new TestClock(1000);
  const sent = { probes: [] as number[], heartbeats: [] as number[] };
  const monitor = new LivenessMonitor(
    { sendProbe: () => sent.probes.push(time.now()), sendHeartbeat: () => sent.heartbeats.push(time.now()) },
    { ...options, clock: time, timers: time },
  );
  return { time, sent, monitor };
}

describe("probe monitor", () => {
  it("probes after each interval of inbound silence and expires at (C+1)·I", () => {
    const { time, sent, monitor } = setup({ probe: { interval: 1000, countMax: 3 } });
    monitor.start();
    time.advance(3999);
    assert.deepEqual(sent.probes, [2000, 3000, 4000]);
    assert.equal(monitor.state, "probing");
    time.advance(1);
    assert.equal(monitor.state, "expired");
    assert.equal(monitor.error?.code, "ALIVE_TIMEOUT");
    assert.equal(monitor.error?.silentFor, 4000);
    assert.equal(time.pendingTimers, 0);
  });
});
