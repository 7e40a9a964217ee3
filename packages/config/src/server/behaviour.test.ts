import assert from "node:assert/strict";
import { test } from "node:test";
import { serverBehaviour } from "./behaviour.ts";

test("each release's run-time behaviour, and tsalive's choice", () => {
  assert.deepEqual(serverBehaviour("9.2"), {
    unusedConnectionTimeoutFrom: "last-wakeup",
    matchChannelTimeout: { sshdRuntime: false, tsalive: true },
    clientAlivePeriod: { sshd: "twice-interval", tsalive: "interval" },
    maxStartupsWinner: "last",
    perSourcePenalties: false,
  });
  assert.deepEqual(serverBehaviour("10.0"), {
    unusedConnectionTimeoutFrom: "last-wakeup",
    matchChannelTimeout: { sshdRuntime: false, tsalive: true },
    clientAlivePeriod: { sshd: "interval", tsalive: "interval" },
    maxStartupsWinner: "last",
    perSourcePenalties: true,
  });
  assert.deepEqual(serverBehaviour(), {
    unusedConnectionTimeoutFrom: "last-channel-close",
    matchChannelTimeout: { sshdRuntime: true, tsalive: true },
    clientAlivePeriod: { sshd: "interval", tsalive: "interval" },
    maxStartupsWinner: "first",
    perSourcePenalties: true,
  });
});
