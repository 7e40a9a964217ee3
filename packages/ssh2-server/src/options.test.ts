import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import fc from "fast-check";
import type { Server } from "ssh2";
import { attach } from "./attach.ts";
import { attachConnection } from "./attach_connection.ts";
import { resolveServerOptions, type ServerOptions } from "./options.ts";

/** Options as a user might type them, past the type checker. */
function loose(options: unknown): ServerOptions {
  return options as ServerOptions;
}

function refuses(options: unknown, message: RegExp): void {
  assert.throws(
    () => resolveServerOptions(loose(options)),
    (error: unknown) => error instanceof RangeError && message.test(error.message),
  );
}

describe("resolveServerOptions", () => {
  it("runs only the watchdog before authentication and everything after", () => {
    const resolved = resolveServerOptions({
      probe: { interval: 1000, countMax: 2 },
      heartbeat: { interval: 500 },
      watchdog: { timeout: 5000 },
    });
    assert.deepEqual(resolved.beforeAuth, { watchdog: { timeout: 5000 } });
    assert.deepEqual(resolved.afterAuth?.probe, { zeroCountMax: "never", interval: 1000, countMax: 2 });
    assert.deepEqual(resolved.afterAuth?.heartbeat, { interval: 500 });
    assert.equal(resolved.tcpKeepAlive, true);
    assert.equal(resolved.killGrace, 2000);
  });

  it("makes countMax 0 never terminate, as sshd since 8.2, unless told otherwise", () => {
    assert.equal(
      resolveServerOptions({ probe: { interval: 1000, countMax: 0 } }).afterAuth?.probe?.zeroCountMax,
      "never",
    );
    const strict = resolveServerOptions({ probe: { interval: 1000, countMax: 0, zeroCountMax: "disconnect" } });
    assert.equal(strict.afterAuth?.probe?.zeroCountMax, "disconnect");
  });

  it("keeps ChannelTimeout patterns in order and leaves the monitor off when nothing asks for it", () => {
    const resolved = resolveServerOptions({ channelTimeout: { "session:shell": 1000, "session:*": 2000 } });
    assert.deepEqual(resolved.channelTimeout, [
      ["session:shell", 1000],
      ["session:*", 2000],
    ]);
    assert.equal(resolved.afterAuth, undefined);
    assert.equal(resolved.beforeAuth, undefined);
  });

  it("caches per options object", () => {
    const options = { watchdog: { timeout: 1000 } };
    assert.equal(resolveServerOptions(options), resolveServerOptions(options));
  });

  it("names the option and the value it rejects", () => {
    assert.throws(() => resolveServerOptions({ killGrace: -1 }), /"killGrace" must be .* received -1/);
    assert.throws(
      () => resolveServerOptions({ unusedConnectionTimeout: 0 }),
      /"unusedConnectionTimeout" .* received 0/,
    );
    assert.throws(
      () => resolveServerOptions({ channelTimeout: { "session:*": Number.NaN } }),
      /"channelTimeout\["session:\*"\]" .* received NaN/,
    );
    assert.throws(() => resolveServerOptions({ channelTimeout: { "": 1000 } }), /empty channel type pattern/);
    assert.throws(() => resolveServerOptions({ tcpKeepAlive: "yes" as unknown as boolean }), /"tcpKeepAlive" .* "yes"/);
    assert.throws(() => resolveServerOptions({ probe: { interval: 0 } }), RangeError);
  });
});

describe("bad input is refused clearly", () => {
  it("an sshd or ssh2 spelling throws with a hint instead of attaching with liveness off", () => {
    refuses(
      { ClientAliveInterval: 15, ClientAliveCountMax: 3 },
      /^Cannot attach to ssh2 server: "ClientAliveInterval" is not an option, received 15 \(did you mean "probe\.interval", in milliseconds\?\); the options are "probe", "heartbeat", "watchdog", "idle", "time", "allowFastIntervals", "killGrace", "unusedConnectionTimeout", "channelTimeout", "tcpKeepAlive"$/,
    );
    refuses({ ClientAliveCountMax: 3 }, /did you mean "probe\.countMax"/);
    refuses({ keepaliveInterval: 1000 }, /did you mean "probe\.interval"/);
    refuses({ WatchdogTimeout: 60 }, /did you mean "watchdog\.timeout", in milliseconds/);
    refuses({ UnusedConnectionTimeout: 60 }, /did you mean "unusedConnectionTimeout", in milliseconds/);
    refuses({ ChannelTimeout: {} }, /did you mean "channelTimeout"/);
    refuses({ TCPKeepAlive: true }, /did you mean "tcpKeepAlive"/);
    refuses(
      { probe: { interval: 1000, ClientAliveCountMax: 2 } },
      /"probe\.ClientAliveCountMax" .*did you mean "probe\.countMax"/,
    );
  });

  it("times under 100 ms are refused with a milliseconds hint, unless allowFastIntervals", () => {
    for (const options of [
      { probe: { interval: 1 } },
      { heartbeat: { interval: 15 } },
      { watchdog: { timeout: 60 } },
      { killGrace: 2 },
      { unusedConnectionTimeout: 5 },
      { channelTimeout: { "session:*": 10 } },
    ]) {
      refuses(options, /must be at least 100 milliseconds, received \d+: options are in milliseconds/);
      const fast = resolveServerOptions({ ...options, allowFastIntervals: true });
      assert.equal(fast.common.allowFastIntervals, true);
    }
  });

  it("null and undefined switch a mechanism off", () => {
    for (const off of [null, undefined]) {
      const resolved = resolveServerOptions({
        probe: off,
        heartbeat: off,
        watchdog: off,
        killGrace: off,
        unusedConnectionTimeout: off,
        channelTimeout: off,
        tcpKeepAlive: off,
        time: off,
      });
      assert.equal(resolved.afterAuth, undefined);
      assert.equal(resolved.beforeAuth, undefined);
      assert.equal(resolved.unusedConnectionTimeout, undefined);
      assert.deepEqual(resolved.channelTimeout, []);
      assert.equal(resolved.killGrace, 2000);
      assert.equal(resolved.tcpKeepAlive, true);
    }
    assert.equal(resolveServerOptions(null).afterAuth, undefined);
  });

  it("values of the wrong kind throw, naming the option and the value", () => {
    refuses({ probe: false }, /"probe" must be an object .* received false/);
    refuses({ watchdog: 60_000 }, /"watchdog" must be an object such as \{ timeout: 15000 \}.* received 60000/);
    refuses({ heartbeat: "60s" }, /"heartbeat" .* received "60s"/);
    refuses({ timers: 5 }, /"timers" must have setTimeout\(\) and clearTimeout\(\)/);
    refuses({ time: { now: () => 0 } }, /"time" must have setTimeout\(\)/);
    refuses({ channelTimeout: [] }, /"channelTimeout" must be an object, received \[\]/);
    refuses({ channelTimeout: { "session:*": "1h" } }, /"channelTimeout\["session:\*"\]" .* received "1h"/);
    refuses(5, /options must be an object, received 5/);
  });

  it("zeroCountMax: undefined still means sshd's never", () => {
    assert.equal(
      resolveServerOptions({ probe: { interval: 1000, countMax: 0, zeroCountMax: undefined } }).afterAuth?.probe
        ?.zeroCountMax,
      "never",
    );
  });

  it("one time for every monitor", () => {
    const time = new TestClock();
    const resolved = resolveServerOptions({ watchdog: { timeout: 1000 }, channelTimeout: { "*": 1000 }, time });
    assert.equal(resolved.beforeAuth?.time, time);
    assert.equal(resolved.common.time, time);
  });

  it("attach(null) and attachConnection(null) name what they expected", () => {
    for (const bad of [null, undefined, 5]) {
      assert.throws(
        () => attach(bad as unknown as Server),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message === `Cannot attach to ssh2 server: expected an ssh2 Server, received ${String(bad)}`,
      );
      assert.throws(
        () => attachConnection(bad as never),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message ===
            `Cannot attach to ssh2 connection: expected an ssh2 server Connection, received ${String(bad)}`,
      );
    }
  });

  it("any options resolve or throw a RangeError", () => {
    const value = fc.oneof(
      fc.constantFrom(null, undefined, true, false, 0, 1, 99, 100, 1000, Number.NaN, "1000", {}, []),
      fc.integer({ min: -5, max: 3000 }),
      fc.anything({ maxDepth: 1 }),
    );
    const object = (keys: readonly string[]) =>
      fc.oneof(value, fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 4 })), value));
    const options = fc.oneof(
      value,
      fc.record(
        {
          probe: object(["interval", "countMax", "zeroCountMax", "replyTimeout"]),
          heartbeat: object(["interval"]),
          watchdog: object(["timeout"]),
          killGrace: value,
          unusedConnectionTimeout: value,
          channelTimeout: object(["session:*", "direct-tcpip"]),
          tcpKeepAlive: value,
          allowFastIntervals: value,
          ClientAliveInterval: value,
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(options, (input) => {
        try {
          resolveServerOptions(loose(input));
        } catch (error) {
          assert.ok(error instanceof RangeError, `not a RangeError: ${String(error)}`);
          assert.match(error.message, /^Cannot attach to ssh2 server: /);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
