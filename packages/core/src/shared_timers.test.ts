import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LivenessMonitor } from "./monitor.ts";
import { createSharedTimers } from "./shared_timers.ts";
import { TestClock } from "./testing/test_clock.ts";

describe("createSharedTimers", () => {
  it("fires many timeouts in due order on one underlying timer", () => {
    const time = new TestClock(0);
    const shared = createSharedTimers({ time });
    const fired: string[] = [];
    shared.setTimeout(() => fired.push("c"), 30);
    shared.setTimeout(() => fired.push("a"), 10);
    shared.setTimeout(() => fired.push("b1"), 20);
    shared.setTimeout(() => fired.push("b2"), 20);
    assert.equal(shared.size, 4);
    assert.equal(time.pendingTimers, 1);
    time.advance(20);
    assert.deepEqual(fired, ["a", "b1", "b2"]);
    time.advance(10);
    assert.deepEqual(fired, ["a", "b1", "b2", "c"]);
    assert.equal(time.pendingTimers, 0);
  });

  it("clearTimeout removes one entry and disarms when none is left", () => {
    const time = new TestClock(0);
    const shared = createSharedTimers({ time });
    let fired = 0;
    const a = shared.setTimeout(() => fired++, 10);
    const b = shared.setTimeout(() => fired++, 5);
    shared.clearTimeout(b);
    shared.clearTimeout(b);
    time.advance(7);
    assert.equal(fired, 0);
    shared.clearTimeout(a);
    assert.equal(shared.size, 0);
    assert.equal(time.pendingTimers, 0);
    time.advance(100);
    assert.equal(fired, 0);
  });

  it("behaves like one timer per entry for any schedule of sets and clears (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 100 }), clearAfter: fc.option(fc.nat(50)) }), {
          maxLength: 60,
        }),
        (ops) => {
          const time = new TestClock(0);
          const shared = createSharedTimers({ time });
          const reference = new TestClock(0);
          const got: number[] = [];
          const want: number[] = [];
          ops.forEach(({ delay, clearAfter }, id) => {
            const h1 = shared.setTimeout(() => got.push(id), delay);
            const h2 = reference.setTimeout(() => want.push(id), delay);
            if (clearAfter !== null) {
              // Half-way between two due times: how a clear ties with a due entry is not part of the contract.
              time.setTimeout(() => shared.clearTimeout(h1), clearAfter + 0.5);
              reference.setTimeout(() => reference.clearTimeout(h2), clearAfter + 0.5);
            }
          });
          time.advance(200);
          reference.advance(200);
          assert.deepEqual(got, want);
          assert.equal(shared.size, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("drives monitors exactly as private timers do", () => {
    const time = new TestClock(0);
    const timers = createSharedTimers({ time });
    const deaths: number[] = [];
    const monitors = [1000, 700, 300].map((interval) => {
      const monitor = new LivenessMonitor({ sendProbe() {} }, { probe: { interval, countMax: 2 }, time: timers });
      monitor.on("expire", () => deaths.push(time.now()));
      monitor.start();
      return monitor;
    });
    time.advance(5000);
    assert.deepEqual(deaths, [900, 2100, 3000]);
    assert.equal(timers.size, 0);
    for (const monitor of monitors) monitor.stop();
  });
});

describe("SharedTimers when a callback throws", () => {
  it("still runs the other timeouts", () => {
    const time = new TestClock(0);
    const shared = createSharedTimers({ time });
    const fired: number[] = [];
    shared.setTimeout(() => {
      throw new Error("listener bug");
    }, 10);
    shared.setTimeout(() => fired.push(time.now()), 10);
    shared.setTimeout(() => fired.push(time.now()), 20);
    assert.throws(() => time.advance(10), /listener bug/);
    time.advance(10);
    assert.deepEqual(fired, [10, 20]);
  });
});

describe("SharedTimers under a long batch", () => {
  it("yields to the event loop after 5 ms of callbacks and runs the rest on the next turn", () => {
    // An underlying timer fired by hand: each fire is one turn of the event loop.
    const armed: { callback: (arg: unknown) => void; arg: unknown }[] = [];
    const timers = {
      setTimeout: (callback: (arg: unknown) => void, _delay: number, arg?: unknown) => armed.push({ callback, arg }),
      clearTimeout: () => {},
    };
    const turn = () => {
      const next = armed.shift();
      next?.callback(next.arg);
    };
    let now = 0;
    const shared = createSharedTimers({ clock: { now: () => now }, timers });
    const ran: number[] = [];
    for (let i = 0; i < 10; i++) {
      shared.setTimeout(() => {
        ran.push(i);
        now += 2; // each callback takes 2 ms
      }, 0);
    }
    turn();
    assert.deepEqual(ran, [0, 1, 2]);
    assert.equal(shared.size, 7);
    turn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5]);
    turn();
    turn();
    assert.equal(ran.length, 10);
    assert.equal(shared.size, 0);
  });
});
