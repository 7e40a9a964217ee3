import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkDuration, MIN_INTERVAL } from "./check.ts";
import { systemClock, systemTime, systemTimers } from "./clock.ts";
import { LivenessMonitor } from "./monitor.ts";
import { type MonitorOptions, resolveOptions } from "./options.ts";
import { createSharedTimers } from "./shared_timers.ts";
import { TestClock } from "./testing/test_clock.ts";

const transport = { sendProbe() {}, sendHeartbeat() {} };

/** Options as a user might type them, past the type checker. */
function loose(options: Record<string, unknown>): MonitorOptions {
  return options as MonitorOptions;
}

function refuses(options: unknown, message: RegExp): void {
  assert.throws(
    () => new LivenessMonitor(transport, options as MonitorOptions),
    (error: unknown) => error instanceof RangeError && message.test(error.message),
  );
}

describe("null and undefined switch a mechanism off", () => {
  for (const off of [null, undefined]) {
    it(`options ${off} is a monitor with nothing on`, () => {
      const time = new TestClock();
      const monitor = new LivenessMonitor(transport, off);
      assert.deepEqual(monitor.options, {
        probe: undefined,
        heartbeat: undefined,
        watchdog: undefined,
        idle: undefined,
      });
      monitor.start();
      assert.equal(time.pendingTimers, 0);
      monitor.stop();
    });

    it(`every mechanism ${off} arms no timer and sends nothing`, () => {
      const time = new TestClock();
      let sent = 0;
      const monitor = new LivenessMonitor(
        { sendProbe: () => sent++, sendHeartbeat: () => sent++ },
        { probe: off, heartbeat: off, watchdog: off, idle: off, time },
      );
      monitor.start();
      assert.equal(time.pendingTimers, 0);
      time.advance(200);
      assert.equal(sent, 0);
    });
  }

  it("heartbeat: null beside a probe sends no heartbeat (it sent one per millisecond)", () => {
    const time = new TestClock();
    let heartbeats = 0;
    const monitor = new LivenessMonitor(
      { sendProbe() {}, sendHeartbeat: () => heartbeats++ },
      { probe: { interval: 1000 }, heartbeat: null, time },
    );
    monitor.start();
    time.advance(200);
    assert.equal(heartbeats, 0);
    assert.equal(monitor.options.heartbeat, undefined);
  });

  it("probe.replyTimeout and probe.countMax null are left at their defaults", () => {
    const { probe } = resolveOptions(loose({ probe: { interval: 1000, countMax: null, replyTimeout: null } }));
    assert.deepEqual(probe, { interval: 1000, countMax: 3, zeroCountMax: "disconnect", replyTimeout: undefined });
  });
});

describe("values of the wrong kind throw a RangeError naming the option and the value", () => {
  const table: [string, unknown, RegExp][] = [
    ["probe: false", { probe: false }, /"probe" must be an object .* received false/],
    ["probe: 0", { probe: 0 }, /"probe" must be an object .* received 0/],
    [
      "probe: a number of ms",
      { probe: 15000 },
      /"probe" must be an object such as \{ interval: 15000 \}.* received 15000/,
    ],
    ["probe: a string", { probe: "15s" }, /"probe" .* received "15s"/],
    ["probe: an array", { probe: [1000] }, /"probe" .* received \[1000\]/],
    ["heartbeat: true", { heartbeat: true }, /"heartbeat" .* received true/],
    ["watchdog: NaN", { watchdog: Number.NaN }, /"watchdog" .* received NaN/],
    ["idle: a function", { idle: () => 1 }, /"idle" .* received a function/],
    ["interval as a string", { probe: { interval: "1000" } }, /"probe\.interval" .* received "1000"/],
    ["interval missing", { probe: {} }, /"probe\.interval" .* received undefined/],
    ["countMax a string", { probe: { interval: 1000, countMax: "3" } }, /"probe\.countMax" .* received "3"/],
    ["allowFastIntervals 1", { allowFastIntervals: 1 }, /"allowFastIntervals" must be a boolean, received 1/],
    ["options a number", 5, /options must be an object, received 5/],
    ["options a string", "probe", /options must be an object, received "probe"/],
    ["options false", false, /options must be an object, received false/],
  ];
  for (const [name, options, message] of table) {
    it(name, () => refuses(options, message));
  }
});

describe("unknown keys throw and list the known ones", () => {
  it("an OpenSSH keyword gets a hint naming the option (it attached with liveness off)", () => {
    refuses(
      { serverAliveInterval: 1, serverAliveCountMax: 2 },
      /"serverAliveInterval" is not an option, received 1 \(did you mean "probe\.interval", in milliseconds\?\); the options are "probe", "heartbeat", "watchdog", "idle", "time", "allowFastIntervals"/,
    );
  });

  const hints: [string, string][] = [
    ["ServerAliveInterval", "probe.interval"],
    ["ClientAliveInterval", "probe.interval"],
    ["keepaliveInterval", "probe.interval"],
    ["keepaliveCountMax", "probe.countMax"],
    ["ClientAliveCountMax", "probe.countMax"],
    ["WatchdogTimeout", "watchdog.timeout"],
    ["Heartbeat", "heartbeat"],
    ["Probe", "probe"],
    ["replyTimeout", "probe.replyTimeout"],
  ];
  for (const [key, target] of hints) {
    it(`${key} → ${target}`, () => {
      refuses({ [key]: 5 }, new RegExp(`"${key}" is not an option.*did you mean "${target.replace(".", "\\.")}"`));
    });
  }

  it("a hint is not given for an option core does not have", () => {
    refuses({ tcpKeepAlive: true }, /"tcpKeepAlive" is not an option, received true; the options are/);
  });

  it("inside a mechanism, with that mechanism's keys", () => {
    refuses(
      { probe: { interval: 1000, serverAliveCountMax: 2 } },
      /"probe\.serverAliveCountMax" is not an option, received 2 \(did you mean "probe\.countMax"\?\); the options of "probe" are "interval", "countMax", "zeroCountMax", "replyTimeout"/,
    );
    refuses(
      { heartbeat: { timeout: 1000 } },
      /"heartbeat\.timeout" is not an option.*the options of "heartbeat" are "interval"/,
    );
    refuses({ watchdog: { WatchdogTimeout: 1000 } }, /did you mean "watchdog\.timeout", in milliseconds\?/);
  });

  it("an adapter's own keys are accepted when it says so, with its prefix", () => {
    assert.doesNotThrow(() => resolveOptions(loose({ tcpKeepAlive: true }), { extraKeys: ["tcpKeepAlive"] }));
    assert.throws(
      () => resolveOptions(loose({ TCPKeepAlive: true }), { prefix: "Cannot attach", extraKeys: ["tcpKeepAlive"] }),
      /^RangeError: Cannot attach: "TCPKeepAlive" is not an option, received true \(did you mean "tcpKeepAlive"\?\)/,
    );
  });
});

describe("intervals under 100 ms are refused unless allowFastIntervals", () => {
  it("{ probe: { interval: 1 } }, the seconds habit, throws (it sent 861 probes in 2 s)", () => {
    refuses(
      { probe: { interval: 1 } },
      /"probe\.interval" must be at least 100 milliseconds, received 1: options are in milliseconds .*"allowFastIntervals: true"/,
    );
  });

  for (const [name, options] of [
    ["probe.interval", { probe: { interval: 99 } }],
    ["probe.replyTimeout", { probe: { interval: 1000, replyTimeout: 30 } }],
    ["heartbeat.interval", { heartbeat: { interval: 60 } }],
    ["watchdog.timeout", { watchdog: { timeout: 60 } }],
    ["idle.timeout", { idle: { timeout: 5 } }],
  ] as const) {
    it(`${name}`, () => {
      refuses(options, new RegExp(`"${name.replace(".", "\\.")}" must be at least 100 milliseconds`));
      assert.doesNotThrow(() => new LivenessMonitor(transport, { ...options, allowFastIntervals: true }));
    });
  }

  it("100 ms is allowed", () => {
    assert.equal(resolveOptions({ probe: { interval: MIN_INTERVAL } }).probe?.interval, 100);
  });

  it("allowFastIntervals still refuses 0, negatives and NaN", () => {
    refuses({ probe: { interval: 0 }, allowFastIntervals: true }, /greater than 0 .* received 0/);
    refuses({ heartbeat: { interval: -1 }, allowFastIntervals: true }, /received -1/);
    refuses({ watchdog: { timeout: Number.NaN }, allowFastIntervals: true }, /received NaN/);
  });

  it("checkDuration is the same rule for adapters", () => {
    assert.throws(
      () => checkDuration("Cannot attach", "connectTimeout", 10),
      /^RangeError: Cannot attach: "connectTimeout" must be at least 100/,
    );
    assert.equal(checkDuration("Cannot attach", "connectTimeout", 10, true), 10);
  });
});

describe("time, clock and timers are checked when they come in", () => {
  it("{ timers: 5 } throws at once (the process died later, from a timer)", () => {
    refuses(
      { probe: { interval: 1000 }, timers: 5 },
      /"timers" must have setTimeout\(\) and clearTimeout\(\) functions \(Timers\), received 5/,
    );
  });

  const table: [string, unknown, RegExp][] = [
    ["time without timers", { time: systemClock }, /"time" must have setTimeout\(\) and clearTimeout\(\)/],
    ["time without a clock", { time: systemTimers }, /"time" must have a now\(\) function/],
    ["time a number", { time: 5 }, /"time" must have a now\(\) function .* received 5/],
    [
      "time reading NaN",
      { time: { ...systemTime, now: () => Number.NaN } },
      /"time\.now\(\)" must return a finite number, received NaN/,
    ],
    ["clock a string", { clock: "now" }, /"clock" must have a now\(\) function .* received "now"/],
    [
      "clock reading a string",
      { clock: { now: () => "1" } },
      /"clock\.now\(\)" must return a finite number, received "1"/,
    ],
    ["timers half done", { timers: { setTimeout() {} } }, /"timers" must have setTimeout\(\) and clearTimeout\(\)/],
    [
      "time beside clock",
      { time: new TestClock(), clock: systemClock },
      /"time" replaces "clock" and "timers", received both "time" and "clock"/,
    ],
    ["time beside timers", { time: new TestClock(), timers: systemTimers }, /received both "time" and "timers"/],
  ];
  for (const [name, options, message] of table) {
    it(name, () => refuses(options, message));
  }

  it("a TestClock as time is both the clock and the timers", () => {
    const time = new TestClock();
    const monitor = new LivenessMonitor(transport, { watchdog: { timeout: 1000 }, time });
    monitor.start();
    assert.equal(time.pendingTimers, 1);
    time.advance(1000);
    assert.equal(monitor.state, "expired");
  });

  it("SharedTimers and systemTime are a time", () => {
    const time = new TestClock();
    const shared = createSharedTimers({ time });
    const monitor = new LivenessMonitor(transport, { watchdog: { timeout: 1000 }, time: shared });
    monitor.start();
    time.advance(1000);
    assert.equal(monitor.state, "expired");
    const real = new LivenessMonitor(transport, { watchdog: { timeout: 1000 }, time: systemTime });
    real.start();
    real.stop();
  });

  it("the deprecated clock and timers still work together", () => {
    const time = new TestClock();
    const monitor = new LivenessMonitor(transport, { watchdog: { timeout: 1000 }, clock: time, timers: time });
    monitor.start();
    time.advance(1000);
    assert.equal(monitor.state, "expired");
  });

  it("reconfigure() cannot change the time source", () => {
    const time = new TestClock();
    const monitor = new LivenessMonitor(transport, { watchdog: { timeout: 1000 }, time });
    assert.throws(() => monitor.reconfigure(loose({ time })), /^RangeError: Cannot reconfigure .*time source/);
    assert.throws(
      () => monitor.reconfigure(loose({ serverAliveInterval: 1 })),
      /"serverAliveInterval" is not an option/,
    );
  });
});

describe("the transport", () => {
  it("must be an object", () => {
    for (const bad of [null, undefined, 5, "x"]) {
      assert.throws(
        () => new LivenessMonitor(bad as never, {}),
        (error: unknown) => error instanceof TypeError && /"transport" must be an object/.test(error.message),
      );
    }
  });

  for (const name of ["sendProbe", "sendHeartbeat"] as const) {
    it(`a ${name}() that throws expires the monitor with the error as its cause (it wedged in probing)`, () => {
      const time = new TestClock();
      const failure = new Error("socket gone");
      const expired: unknown[] = [];
      const monitor = new LivenessMonitor(
        {
          sendProbe: () => {
            if (name === "sendProbe") throw failure;
          },
          sendHeartbeat: () => {
            if (name === "sendHeartbeat") throw failure;
          },
        },
        name === "sendProbe"
          ? { probe: { interval: 1000, countMax: 3 }, time }
          : { heartbeat: { interval: 1000 }, time },
      );
      monitor.on("expire", (error) => expired.push(error));
      monitor.start();
      time.advance(1000);
      assert.equal(monitor.state, "expired");
      assert.equal(monitor.error?.code, "TRANSPORT_FAILED");
      assert.equal(monitor.error?.cause, failure);
      assert.equal(monitor.error?.message, `transport failed: ${name}() threw: socket gone`);
      assert.equal(expired.length, 1);
      assert.equal(time.pendingTimers, 0);
      time.advance(10_000);
      assert.equal(expired.length, 1);
    });
  }

  it("a listener that throws does not wedge the monitor: its timer stays armed", () => {
    const time = new TestClock();
    const monitor = new LivenessMonitor(transport, { probe: { interval: 1000, countMax: 1 }, time });
    monitor.on("probe", () => {
      throw new Error("listener bug");
    });
    monitor.start();
    assert.throws(() => time.advance(1000), /listener bug/);
    assert.equal(time.pendingTimers, 1);
    time.advance(1000);
    assert.equal(monitor.state, "expired");
    assert.equal(monitor.error?.code, "ALIVE_TIMEOUT");
  });
});
