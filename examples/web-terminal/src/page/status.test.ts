import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { statusText } from "./status.ts";

describe("statusText", () => {
  it("shows both legs' RTT while connected, and output dropped at the last reattach", () => {
    assert.equal(
      statusText({ phase: "up", target: "me@web", browserRtt: 1.25, dropped: 4096 }, 0),
      "connected to me@web · browser leg up, rtt 1.3 ms · ssh leg up, rtt – · 4096 bytes of output dropped while away",
    );
  });

  it("counts down to the next attempt and the end of the grace period, in whole seconds rounded up", () => {
    const state = { phase: "reconnecting", downReason: "x", nextAttemptAt: 2001, graceUntil: 10_000 } as const;
    assert.equal(
      statusText(state, 0),
      "browser leg down (x) · reconnecting… in 3 s · session kept by the server for 10 s",
    );
    assert.equal(
      statusText(state, 9_999),
      "browser leg down (x) · reconnecting… in 0 s · session kept by the server for 1 s",
    );
    assert.equal(statusText({ phase: "reconnecting" }, 0), "browser leg down (lost) · reconnecting… now");
  });

  it("says which leg died, and the reason in OpenSSH's words", () => {
    assert.equal(
      statusText({ phase: "ended", endReason: "Timeout, server 127.0.0.1 not responding.", sshDown: true }, 0),
      "ssh leg down · session ended: Timeout, server 127.0.0.1 not responding.",
    );
    assert.equal(
      statusText({ phase: "ended", endReason: "Connection to web closed." }, 0),
      "session ended: Connection to web closed.",
    );
  });
});
