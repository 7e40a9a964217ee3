import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LivenessError } from "./liveness_error.ts";
import { LivenessMonitor } from "./monitor.ts";
import type { MonitorOptions } from "./options.ts";
import { TestClock } from "./testing/test_clock.ts";

const T0 = 1000;

function setup(options: Omit<MonitorOptions, "time" | "clock" | "timers">) {
  const time = new TestClock(T0);
  const sent = { probes: [] as number[], heartbeats: [] as number[] };
  const expired: LivenessError[] = [];
  const monitor = new LivenessMonitor(
    { sendProbe: () => sent.probes.push(time.now()), sendHeartbeat: () => sent.heartbeats.push(time.now()) },
    { ...options, time },
  );
  monitor.on("expire", (error) => expired.push(error));
  return { time, sent, monitor, expired };
}

/** Calls `fn` at each of `times` (absolute clock readings), moving the clock there first. */
function at(time: TestClock, times: readonly number[], fn: () => void): void {
  for (const t of times) {
    time.advance(t - time.now());
    fn();
  }
}

describe("probe monitor (ServerAlive / ClientAlive)", () => {
  it("probes after each interval of inbound silence and expires at last inbound + (C+1)·I", () => {
    const { time, sent, monitor, expired } = setup({ probe: { interval: 1000, countMax: 3 } });
    monitor.start();
    time.advance(3999);
    assert.deepEqual(sent.probes, [2000, 3000, 4000]);
    assert.equal(monitor.state, "probing");
    assert.equal(monitor.stats().unansweredProbes, 3);
    time.advance(1);
    assert.equal(monitor.state, "expired");
    assert.equal(expired.length, 1);
    assert.equal(expired[0]?.code, "ALIVE_TIMEOUT");
    assert.equal(expired[0]?.silentFor, 4000);
    assert.equal(expired[0]?.unansweredProbes, 3);
    assert.equal(time.pendingTimers, 0);
  });

  it("sends nothing while packets keep arriving, whatever leaves", () => {
    const { time, sent, monitor } = setup({ probe: { interval: 1000, countMax: 1 } });
    monitor.start();
    for (let i = 0; i < 100; i++) {
      time.advance(900);
      monitor.markInbound();
      monitor.markOutbound();
    }
    assert.deepEqual(sent.probes, []);
    assert.equal(monitor.state, "running");
  });

  it("outbound traffic does not postpone a probe", () => {
    const { time, sent, monitor } = setup({ probe: { interval: 1000, countMax: 3 } });
    monitor.start();
    for (let i = 0; i < 9; i++) {
      time.advance(100);
      monitor.markOutbound();
    }
    time.advance(100);
    assert.deepEqual(sent.probes, [T0 + 1000]);
  });

  it("any inbound packet resets the count and the schedule", () => {
    const { time, sent, monitor, expired } = setup({ probe: { interval: 1000, countMax: 2 } });
    monitor.start();
    time.advance(2500); // probes at 2000, 3000
    monitor.markInbound(true); // an SSH_MSG_IGNORE, say
    assert.equal(monitor.state, "running");
    time.advance(2999); // probes at 4500, 5500; death would be at 6500
    assert.deepEqual(sent.probes, [2000, 3000, 4500, 5500]);
    assert.equal(expired.length, 0);
    time.advance(1);
    assert.equal(expired[0]?.code, "ALIVE_TIMEOUT");
    assert.equal(time.now(), 3500 + 3000);
  });

  it("a reply resets the count and gives an RTT sample", () => {
    const { time, monitor } = setup({ probe: { interval: 1000, countMax: 1 } });
    const rtts: (number | undefined)[] = [];
    monitor.on("reply", ({ rtt }) => rtts.push(rtt));
    monitor.start();
    time.advance(1000);
    time.advance(40);
    monitor.markReply();
    time.advance(1000); // the next probe, one interval after the reply
    time.advance(25);
    monitor.markReply();
    assert.deepEqual(rtts, [40, 25]);
    const { rtt, replies, probesSent } = monitor.stats();
    assert.deepEqual(rtt, { last: 25, min: 25, avg: 32.5, max: 40, samples: 2 });
    assert.equal(replies, 2);
    assert.equal(probesSent, 2);
    assert.equal(monitor.state, "running");
  });

  it("measures RTT below a millisecond", () => {
    const { time, monitor } = setup({ probe: { interval: 1000, countMax: 1 } });
    const rtts: (number | undefined)[] = [];
    monitor.on("reply", ({ rtt }) => rtts.push(rtt));
    monitor.start();
    time.advance(1000);
    time.advance(0.25);
    monitor.markReply();
    assert.deepEqual(rtts, [0.25]);
  });

  it("matches replies to probes in order", () => {
    const { time, monitor } = setup({ probe: { interval: 1000, countMax: 5 } });
    const rtts: (number | undefined)[] = [];
    monitor.on("reply", ({ rtt }) => rtts.push(rtt));
    monitor.start();
    time.advance(3000); // probes at 2000, 3000, 4000
    time.advance(500);
    monitor.markReply(); // answers the probe of 2000
    monitor.markReply(); // answers the probe of 3000
    assert.deepEqual(rtts, [2500, 1500]);
    monitor.markReply(); // answers the probe of 4000
    assert.deepEqual(rtts, [2500, 1500, 500]);
    monitor.markReply(); // answers nothing we sent: no sample
    assert.equal(rtts[3], undefined);
    assert.equal(rtts.length, 4);
  });

  it("countMax 0 with zeroCountMax 'disconnect' expires at the first expiry without probing (ssh)", () => {
    const { time, sent, monitor, expired } = setup({ probe: { interval: 2000, countMax: 0 } });
    monitor.start();
    time.advance(1999);
    assert.equal(expired.length, 0);
    time.advance(1);
    assert.deepEqual(sent.probes, []);
    assert.equal(expired[0]?.code, "ALIVE_TIMEOUT");
    assert.equal(expired[0]?.silentFor, 2000);
  });

  it("countMax 0 with zeroCountMax 'never' keeps probing and never expires (sshd >= 8.2)", () => {
    const { time, sent, monitor, expired } = setup({
      probe: { interval: 1000, countMax: 0, zeroCountMax: "never" },
    });
    monitor.start();
    time.advance(60_000);
    assert.equal(sent.probes.length, 60);
    assert.equal(expired.length, 0);
    assert.equal(monitor.state, "probing");
    assert.equal(time.pendingTimers, 1);
  });

  it("zeroCountMax only changes countMax 0", () => {
    const { time, monitor, expired } = setup({ probe: { interval: 1000, countMax: 1, zeroCountMax: "never" } });
    monitor.start();
    time.advance(2000);
    assert.equal(expired[0]?.code, "ALIVE_TIMEOUT");
  });

  it("replyTimeout: one probe after I of silence, dead T after it unless anything arrives", () => {
    const { time, sent, monitor, expired } = setup({
      probe: { interval: 10_000, countMax: 3, replyTimeout: 500 },
    });
    monitor.start();
    time.advance(10_000);
    assert.deepEqual(sent.probes, [T0 + 10_000]);
    time.advance(499);
    assert.equal(expired.length, 0);
    time.advance(1);
    assert.equal(expired[0]?.code, "REPLY_TIMEOUT");
    assert.equal(expired[0]?.silentFor, 10_500);
    assert.deepEqual(sent.probes, [T0 + 10_000]);
  });

  it("replyTimeout: a reply re-arms the idle interval", () => {
    const { time, sent, monitor, expired } = setup({ probe: { interval: 1000, replyTimeout: 300 } });
    monitor.start();
    time.advance(1200);
    monitor.markReply();
    time.advance(1299);
    assert.deepEqual(sent.probes, [2000, 3200]);
    assert.equal(expired.length, 0);
    time.advance(1);
    assert.equal(expired[0]?.code, "REPLY_TIMEOUT");
  });

  it("replyTimeout longer than the interval: the next probe follows the reply by one interval", () => {
    const { time, sent, monitor, expired } = setup({ probe: { interval: 500, replyTimeout: 700 } });
    monitor.start();
    time.advance(500);
    time.advance(1);
    monitor.markReply();
    time.advance(2000);
    // Due at T0 + 1001, sent on the next multiple of 4 ms; the reply deadline counts from the probe as sent.
    assert.deepEqual(sent.probes, [T0 + 500, T0 + 1004]);
    assert.equal(expired[0]?.code, "REPLY_TIMEOUT");
    assert.equal(expired[0]?.silentFor, 1203);
  });

  it("a timer that fires late counts one expiry, never several", () => {
    const time = new TestClock(0);
    let late = 0;
    const lateTimers = {
      now: () => time.now(),
      setTimeout: (callback: (arg: unknown) => void, delay: number, arg?: unknown) =>
        time.setTimeout(callback, delay + late, arg),
      clearTimeout: (handle: unknown) => time.clearTimeout(handle),
    };
    const probes: number[] = [];
    const monitor = new LivenessMonitor(
      { sendProbe: () => probes.push(time.now()) },
      { probe: { interval: 1000, countMax: 2 }, time: lateTimers },
    );
    monitor.start();
    late = 5000; // the event loop was blocked for 5 s
    time.advance(1000);
    late = 0;
    time.advance(10_000);
    assert.deepEqual(probes, [1000, 7000]);
    assert.equal(monitor.error?.silentFor, 8000);
  });
});

describe("heartbeat", () => {
  it("sends after each interval of outbound silence only", () => {
    const { time, sent, monitor } = setup({ heartbeat: { interval: 1000 } });
    monitor.start();
    time.advance(500);
    monitor.markOutbound();
    time.advance(999);
    assert.deepEqual(sent.heartbeats, []);
    time.advance(1);
    assert.deepEqual(sent.heartbeats, [2500]);
    time.advance(2000);
    assert.deepEqual(sent.heartbeats, [2500, 3500, 4500]);
    assert.equal(monitor.stats().heartbeatsSent, 3);
  });

  it("inbound traffic does not postpone it", () => {
    const { time, sent, monitor } = setup({ heartbeat: { interval: 1000 } });
    monitor.start();
    for (let i = 0; i < 10; i++) {
      time.advance(100);
      monitor.markInbound();
    }
    assert.deepEqual(sent.heartbeats, [2000]);
  });

  it("a probe counts as outbound traffic", () => {
    const { time, sent, monitor } = setup({ heartbeat: { interval: 1500 }, probe: { interval: 1000, countMax: 10 } });
    monitor.start();
    time.advance(4000);
    assert.deepEqual(sent.probes, [2000, 3000, 4000, 5000]);
    assert.deepEqual(sent.heartbeats, []);
  });
});

describe("watchdog", () => {
  it("expires once after inbound silence; outbound traffic never postpones it", () => {
    const { time, monitor, expired } = setup({ watchdog: { timeout: 3000 } });
    monitor.start();
    time.advance(1000);
    monitor.markInbound();
    for (let i = 0; i < 29; i++) {
      time.advance(100);
      monitor.markOutbound();
    }
    assert.equal(expired.length, 0);
    time.advance(100);
    assert.equal(expired.length, 1);
    assert.equal(expired[0]?.code, "WATCHDOG_EXPIRED");
    assert.equal(time.now(), T0 + 4000);
    time.advance(100_000);
    assert.equal(expired.length, 1);
  });

  it("keepalive inbound traffic feeds it", () => {
    const { time, monitor, expired } = setup({ watchdog: { timeout: 3000 } });
    monitor.start();
    for (let i = 0; i < 10; i++) {
      time.advance(2000);
      monitor.markInbound(true);
    }
    assert.equal(expired.length, 0);
  });
});

describe("idle timeout", () => {
  it("expires when only keepalive traffic flows", () => {
    const { time, monitor, expired } = setup({ idle: { timeout: 5000 } });
    monitor.start();
    time.advance(2000);
    monitor.markOutbound(); // real data at 3000
    for (let i = 0; i < 4; i++) {
      time.advance(1000);
      monitor.markInbound(true);
      monitor.markOutbound(true);
    }
    assert.equal(expired.length, 0);
    time.advance(1000);
    assert.equal(expired[0]?.code, "IDLE_TIMEOUT");
    assert.equal(expired[0]?.silentFor, 5000);
    assert.equal(time.now(), T0 + 2000 + 5000);
  });

  it("traffic in either direction postpones it", () => {
    const { time, monitor, expired } = setup({ idle: { timeout: 1000 } });
    monitor.start();
    for (let i = 0; i < 10; i++) {
      time.advance(900);
      if (i % 2) monitor.markInbound();
      else monitor.markOutbound();
    }
    assert.equal(expired.length, 0);
  });
});

describe("mechanisms together", () => {
  it("keeps at most one pending timer", () => {
    const { time, monitor } = setup({
      probe: { interval: 700, countMax: 100 },
      heartbeat: { interval: 300 },
      watchdog: { timeout: 50_000 },
      idle: { timeout: 40_000 },
    });
    monitor.start();
    for (let i = 0; i < 200; i++) {
      time.advance(37);
      if (i % 3 === 0) monitor.markInbound();
      if (i % 5 === 0) monitor.markOutbound();
      assert.ok(time.pendingTimers <= 1);
    }
  });

  it("re-arms the timer about once per deadline under steady traffic, not per packet", () => {
    const time = new TestClock(0);
    let sets = 0;
    const counting = {
      now: () => time.now(),
      setTimeout: (callback: (arg: unknown) => void, delay: number, arg?: unknown) => {
        sets++;
        return time.setTimeout(callback, delay, arg);
      },
      clearTimeout: (handle: unknown) => time.clearTimeout(handle),
    };
    const monitor = new LivenessMonitor({ sendProbe() {} }, { probe: { interval: 1000, countMax: 3 }, time: counting });
    monitor.start();
    for (let i = 0; i < 10_000; i++) {
      time.advance(1); // one packet a millisecond for 10 s
      monitor.markInbound();
    }
    assert.ok(sets <= 11, `expected about one timer per second, got ${sets}`);
  });

  it("the watchdog and probes run side by side", () => {
    const { time, sent, monitor, expired } = setup({
      probe: { interval: 1000, countMax: 0, zeroCountMax: "never" },
      watchdog: { timeout: 3500 },
    });
    monitor.start();
    time.advance(3500);
    assert.deepEqual(sent.probes, [2000, 3000, 4000]);
    assert.equal(expired[0]?.code, "WATCHDOG_EXPIRED");
  });

  it("reconfigure switches probing on later, counting from the last packet", () => {
    const { time, sent, monitor, expired } = setup({ watchdog: { timeout: 100_000 } });
    monitor.start();
    time.advance(5000);
    monitor.markInbound(); // authentication finished at 6000
    time.advance(500);
    monitor.reconfigure({ watchdog: { timeout: 100_000 }, probe: { interval: 1000, countMax: 1 } });
    time.advance(1499);
    assert.deepEqual(sent.probes, [7000]);
    assert.equal(expired.length, 0);
    time.advance(1);
    assert.equal(expired[0]?.code, "ALIVE_TIMEOUT");
    assert.equal(time.now(), 8000);
  });
});

describe("lifecycle", () => {
  it("stop() mid-probe clears the timer, is idempotent, and silences the monitor", () => {
    const { time, sent, monitor, expired } = setup({
      probe: { interval: 1000, countMax: 3 },
      heartbeat: { interval: 10 },
      allowFastIntervals: true,
    });
    monitor.start();
    time.advance(1500);
    assert.equal(monitor.state, "probing");
    monitor.stop();
    monitor.stop();
    assert.equal(monitor.state, "stopped");
    assert.equal(time.pendingTimers, 0);
    const probes = sent.probes.length;
    time.advance(100_000);
    assert.equal(sent.probes.length, probes);
    assert.equal(expired.length, 0);
    assert.throws(() => monitor.start(), /stopped/);
  });

  it("stop() inside an expire listener leaves the monitor expired", () => {
    const { time, monitor } = setup({ watchdog: { timeout: 10 }, allowFastIntervals: true });
    monitor.on("expire", () => monitor.stop());
    monitor.start();
    time.advance(10);
    assert.equal(monitor.state, "expired");
    assert.equal(time.pendingTimers, 0);
  });

  it("stop() inside a probe listener stops at once", () => {
    const { time, sent, monitor } = setup({ probe: { interval: 10, countMax: 5 }, allowFastIntervals: true });
    monitor.on("probe", () => monitor.stop());
    monitor.start();
    time.advance(1000);
    assert.equal(sent.probes.length, 1);
    assert.equal(time.pendingTimers, 0);
  });

  it("start() twice is harmless; unsubscribe removes the listener", () => {
    const { time, monitor } = setup({ probe: { interval: 10, countMax: 5 }, allowFastIntervals: true });
    let probes = 0;
    const off = monitor.on("probe", () => probes++);
    assert.equal(monitor.listenerCount(), 2);
    monitor.start();
    monitor.start();
    time.advance(10);
    off();
    time.advance(10);
    assert.equal(probes, 1);
    assert.equal(monitor.listenerCount(), 1);
    assert.equal(time.pendingTimers, 1);
  });

  it("a monitor with nothing enabled arms no timer", () => {
    const { time, monitor } = setup({});
    monitor.start();
    assert.equal(time.pendingTimers, 0);
    assert.equal(monitor.state, "running");
  });
});

describe("options", () => {
  const bad: [string, Omit<MonitorOptions, "time" | "clock" | "timers">, RegExp][] = [
    ["negative interval", { probe: { interval: -1 } }, /"probe\.interval" .* received -1/],
    ["NaN interval", { probe: { interval: Number.NaN } }, /"probe\.interval" .* received NaN/],
    ["zero interval", { probe: { interval: 0 } }, /"probe\.interval" .* received 0/],
    ["interval above 2^31-1 ms", { probe: { interval: 2 ** 31 } }, /"probe\.interval" .* received 2147483648/],
    ["fractional count", { probe: { interval: 1000, countMax: 1.5 } }, /"probe\.countMax" .* received 1\.5/],
    ["negative count", { probe: { interval: 1000, countMax: -1 } }, /"probe\.countMax" .* received -1/],
    ["bad policy", { probe: { interval: 1000, zeroCountMax: "sometimes" as "never" } }, /received "sometimes"/],
    ["bad reply timeout", { probe: { interval: 1000, replyTimeout: Infinity } }, /"probe\.replyTimeout"/],
    ["bad heartbeat", { heartbeat: { interval: -5 } }, /"heartbeat\.interval" .* received -5/],
    ["bad watchdog", { watchdog: { timeout: Number.NaN } }, /"watchdog\.timeout" .* received NaN/],
    ["bad idle", { idle: { timeout: 2 ** 32 } }, /"idle\.timeout"/],
  ];
  for (const [name, options, message] of bad) {
    it(`rejects ${name} with a RangeError naming the option and value`, () => {
      assert.throws(
        () => new LivenessMonitor({ sendProbe() {}, sendHeartbeat() {} }, options),
        (error: unknown) => error instanceof RangeError && message.test(error.message),
      );
    });
  }

  it("accepts 2^31-1 ms, the largest delay timers honour", () => {
    const monitor = new LivenessMonitor({ sendProbe() {} }, { probe: { interval: 2 ** 31 - 1 } });
    assert.equal(monitor.options.probe?.interval, 2 ** 31 - 1);
  });

  it("requires the transport functions the enabled mechanisms call", () => {
    assert.throws(() => new LivenessMonitor({}, { probe: { interval: 1000 } }), /sendProbe/);
    assert.throws(() => new LivenessMonitor({}, { heartbeat: { interval: 1000 } }), /sendHeartbeat/);
    assert.throws(
      () => new LivenessMonitor({ expired: 5 } as never, {}),
      (error: unknown) =>
        error instanceof RangeError && /"expired" must be a function when given, received 5/.test(error.message),
    );
  });
});

describe("transport expired()", () => {
  it("is told once, with the error, before the expire listeners", () => {
    const time = new TestClock(T0);
    const order: string[] = [];
    const monitor = new LivenessMonitor(
      { expired: (error) => order.push(`transport ${error.code}`) },
      { watchdog: { timeout: 1000 }, time },
    );
    monitor.on("expire", (error) => order.push(`listener ${error.code}`));
    monitor.start();
    time.advance(5000);
    assert.deepEqual(order, ["transport WATCHDOG_EXPIRED", "listener WATCHDOG_EXPIRED"]);
    assert.equal(monitor.state, "expired");
  });
});

describe("activity marks", () => {
  it("record the clock reading", () => {
    const { time, monitor } = setup({});
    at(time, [1500], () => monitor.markInbound());
    at(time, [1700], () => monitor.markOutbound());
    assert.equal(monitor.stats().lastInboundAt, 1500);
    assert.equal(monitor.stats().lastOutboundAt, 1700);
  });
});
