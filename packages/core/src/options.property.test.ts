import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { MIN_INTERVAL } from "./check.ts";
import { LivenessMonitor } from "./monitor.ts";
import type { MonitorOptions } from "./options.ts";
import { TestClock } from "./testing/test_clock.ts";

/** Values a user might put anywhere: the right kinds, the wrong kinds, and the edges between. */
const value = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -1, 1, 50, 99, 100, 1000, 2 ** 31 - 1, 2 ** 31, Number.NaN),
  fc.constantFrom(Number.POSITIVE_INFINITY, "1000", "", "never", "disconnect", [], {}),
  fc.integer({ min: -10, max: 5000 }),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.anything({ maxDepth: 1 }),
);
const field = (keys: readonly string[]) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })), value, { maxKeys: 4 });
const mechanism = (keys: readonly string[]) => fc.oneof(value, field(keys));
const options = fc.oneof(
  value,
  fc.record(
    {
      probe: mechanism(["interval", "countMax", "zeroCountMax", "replyTimeout"]),
      heartbeat: mechanism(["interval"]),
      watchdog: mechanism(["timeout"]),
      idle: mechanism(["timeout"]),
      allowFastIntervals: value,
      serverAliveInterval: value,
      keepaliveInterval: value,
    },
    { requiredKeys: [] },
  ),
);

describe("any options", () => {
  it("give a working monitor or a RangeError, never a loop", () => {
    fc.assert(
      fc.property(options, (input) => {
        const time = new TestClock();
        let sent = 0;
        const transport = { sendProbe: () => sent++, sendHeartbeat: () => sent++ };
        const given = typeof input === "object" && input !== null ? { ...input, time } : input;
        let monitor: LivenessMonitor;
        try {
          monitor = new LivenessMonitor(transport, given as MonitorOptions);
        } catch (error) {
          assert.ok(error instanceof RangeError, `not a RangeError: ${String(error)}`);
          assert.match(error.message, /^Cannot create liveness monitor: /);
          return;
        }
        monitor.start();
        time.advance(10_000);
        const fast = (given as { allowFastIntervals?: unknown } | null)?.allowFastIntervals === true;
        // One probe or heartbeat per interval at most: 100 ms intervals give 100 each in 10 s.
        const floor = fast ? 1 : MIN_INTERVAL;
        assert.ok(sent <= 2 * (10_000 / floor + 1), `${sent} packets in 10 s`);
        assert.ok(time.pendingTimers <= 1);
        monitor.stop();
        assert.equal(time.pendingTimers, 0);
      }),
      { numRuns: 2000 },
    );
  });
});
