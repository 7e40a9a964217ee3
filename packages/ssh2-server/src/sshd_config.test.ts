import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TIMER_DELAY } from "@tsalive/core";
import { resolveServerOptions } from "./options.ts";
import { optionsFromSshdConfig, sshdMatchConnection } from "./sshd_config.ts";

describe("optionsFromSshdConfig", () => {
  it("converts seconds to milliseconds and leaves 0 off", () => {
    assert.deepEqual(
      optionsFromSshdConfig({
        clientAliveInterval: 15,
        clientAliveCountMax: 0,
        heartbeat: 0,
        watchdogTimeout: 60,
        unusedConnectionTimeout: 0,
        channelTimeout: [],
        tcpKeepAlive: false,
      }),
      { probe: { interval: 15_000, countMax: 0 }, watchdog: { timeout: 60_000 }, tcpKeepAlive: false },
    );
    assert.deepEqual(optionsFromSshdConfig({}), { tcpKeepAlive: true });
  });

  it("keeps ChannelTimeout's first match per pattern, with 0 exempting the types it matches", () => {
    const options = optionsFromSshdConfig({
      channelTimeout: [
        { type: "session:shell", timeout: 0 },
        { type: "session:*", timeout: 120 },
        { type: "session:*", timeout: 5 },
      ],
    });
    assert.deepEqual(options.channelTimeout, { "session:shell": 0, "session:*": 120_000 });
    assert.deepEqual(resolveServerOptions(options).channelTimeout, [
      ["session:shell", 0],
      ["session:*", 120_000],
    ]);
  });

  it("clamps times a runtime timer cannot hold", () => {
    assert.equal(optionsFromSshdConfig({ watchdogTimeout: 2 ** 31 - 1 }).watchdog?.timeout, MAX_TIMER_DELAY);
  });

  it("gives Match the connection as sshd -C names it", () => {
    const info = { user: undefined, addr: "10.1.2.3", port: 50_000, laddr: "10.0.0.1", lport: 22 };
    assert.deepEqual(sshdMatchConnection(info), {
      host: "10.1.2.3",
      address: "10.1.2.3",
      localAddress: "10.0.0.1",
      localPort: 22,
    });
    assert.equal(sshdMatchConnection({ ...info, user: "me" }).user, "me");
  });
});
