import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveServerOptions } from "./options.ts";

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
