import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import fc from "fast-check";
import { Client } from "ssh2";
import { attach, type ClientOptions } from "./index.ts";
import { resolveClientOptions } from "./options.ts";

/** Options as a user might type them, past the type checker. */
function loose(options: unknown): ClientOptions {
  return options as ClientOptions;
}

function refuses(options: unknown, message: RegExp): void {
  const client = new Client();
  assert.throws(
    () => attach(client, loose(options)),
    (error: unknown) => error instanceof RangeError && message.test(error.message),
  );
  // Refused before anything was touched: ssh2's own connect() and keepalive stay as they were.
  assert.equal(Object.hasOwn(client, "connect"), false);
}

describe("attach() refuses what is not a client", () => {
  for (const bad of [null, undefined, 5, "client"]) {
    it(`attach(${String(bad)}) throws a TypeError naming what it expected`, () => {
      assert.throws(
        () => attach(bad as unknown as Client),
        (error: unknown) =>
          error instanceof TypeError &&
          new RegExp(
            `^Cannot attach to ssh2 client: expected an ssh2 Client, received ${bad === "client" ? '"client"' : String(bad)}$`,
          ).test(error.message),
      );
    });
  }
});

describe("attach() options", () => {
  it("an OpenSSH spelling throws with a hint instead of attaching with liveness off (it sent 0 probes)", () => {
    refuses(
      { serverAliveInterval: 1, serverAliveCountMax: 2 },
      /^Cannot attach to ssh2 client: "serverAliveInterval" is not an option, received 1 \(did you mean "probe\.interval", in milliseconds\?\); the options are "probe", "heartbeat", "watchdog", "idle", "time", "allowFastIntervals", "tcpKeepAlive", "connectTimeout", "host", "emitError", "probeKind"$/,
    );
  });

  const hints: [string, string][] = [
    ["keepaliveInterval", "probe.interval"],
    ["keepaliveCountMax", "probe.countMax"],
    ["ServerAliveCountMax", "probe.countMax"],
    ["TCPKeepAlive", "tcpKeepAlive"],
    ["ConnectTimeout", "connectTimeout"],
    ["readyTimeout", "connectTimeout"],
  ];
  for (const [key, target] of hints) {
    it(`${key} gets a hint for "${target}"`, () => {
      refuses({ [key]: 1000 }, new RegExp(`"${key}" is not an option.*did you mean "${target.replace(".", "\\.")}"`));
    });
  }

  it("{ probe: { interval: 1 } }, the seconds habit, throws (it sent 861 probes in 2 s)", () => {
    refuses(
      { probe: { interval: 1 } },
      /"probe\.interval" must be at least 100 milliseconds, received 1: options are in milliseconds/,
    );
    refuses({ connectTimeout: 10 }, /"connectTimeout" must be at least 100 milliseconds, received 10/);
    attach(new Client(), { probe: { interval: 1 }, connectTimeout: 10, allowFastIntervals: true }).detach();
  });

  const wrong: [string, unknown, RegExp][] = [
    ["{ timers: 5 } (the process died later, from a timer)", { timers: 5 }, /"timers" must have setTimeout\(\)/],
    ["time without timers", { time: { now: () => 0 } }, /"time" must have setTimeout\(\)/],
    ["probe: false", { probe: false }, /"probe" must be an object .* received false/],
    ["probe: 15000", { probe: 15000 }, /"probe" must be an object .* received 15000/],
    ["heartbeat: 0", { heartbeat: 0 }, /"heartbeat" must be an object .* received 0/],
    ["probe: a string", { probe: "15s" }, /"probe" .* received "15s"/],
    ["connectTimeout NaN", { connectTimeout: Number.NaN }, /"connectTimeout" .* received NaN/],
    ["tcpKeepAlive 0", { tcpKeepAlive: 0 }, /"tcpKeepAlive" must be a boolean, received 0/],
    ["options a number", 5, /options must be an object, received 5/],
  ];
  for (const [name, options, message] of wrong) {
    it(`${name} throws a RangeError naming it`, () => refuses(options, message));
  }

  it("null and undefined switch a mechanism off: { probe: null } and { heartbeat: null } (it flooded IGNOREs)", () => {
    for (const off of [null, undefined]) {
      const liveness = attach(new Client(), { probe: off, heartbeat: off, connectTimeout: off, time: off });
      assert.equal(liveness.stats().monitor, undefined);
      liveness.detach();
    }
    attach(new Client(), null).detach();
    // The monitor each connection gets: no heartbeat at all, rather than one re-armed at 0 ms.
    assert.deepEqual(resolveClientOptions({ probe: { interval: 1000 }, heartbeat: null }).monitor, {
      probe: { interval: 1000 },
    });
    assert.equal(resolveClientOptions({ probe: null, heartbeat: null }).monitor, undefined);
  });

  it("takes one time, a TestClock", () => {
    const time = new TestClock();
    attach(new Client(), { probe: { interval: 1000 }, connectTimeout: 5000, time }).detach();
  });

  it("any options attach or throw a RangeError", () => {
    const value = fc.oneof(
      fc.constantFrom(null, undefined, true, false, 0, 1, 99, 100, 1000, Number.NaN, "1000", {}, []),
      fc.integer({ min: -5, max: 3000 }),
      fc.anything({ maxDepth: 1 }),
    );
    const mechanism = (keys: readonly string[]) =>
      fc.oneof(value, fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 4 })), value));
    const options = fc.oneof(
      value,
      fc.record(
        {
          probe: mechanism(["interval", "countMax", "zeroCountMax", "replyTimeout"]),
          heartbeat: mechanism(["interval"]),
          tcpKeepAlive: value,
          connectTimeout: value,
          host: value,
          emitError: value,
          probeKind: fc.oneof(value, fc.constantFrom("keepalive@openssh.com", "ping@openssh.com", "ping")),
          allowFastIntervals: value,
          keepaliveInterval: value,
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(options, (input) => {
        const client = new Client();
        try {
          attach(client, loose(input)).detach();
        } catch (error) {
          assert.ok(error instanceof RangeError, `not a RangeError: ${String(error)}`);
          assert.match(error.message, /^Cannot attach to ssh2 client: /);
        }
        assert.equal(Object.hasOwn(client, "connect"), false);
      }),
      { numRuns: 1000 },
    );
  });
});
