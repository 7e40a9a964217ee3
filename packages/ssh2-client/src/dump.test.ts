import assert from "node:assert/strict";
import { test } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import ssh2, { type Client } from "ssh2";
import { dumpConnection } from "./dump.ts";

const monitor = {
  state: "probing",
  probesSent: 3,
  replies: 1,
  unansweredProbes: 2,
  heartbeatsSent: 1,
  rtt: { last: 1.25, min: 1.25, avg: 1.25, max: 1.25, samples: 1 },
  lastInboundAt: 2900,
  lastOutboundAt: 4900,
} as const;

test("dumpConnection: the last inbound packet's age on the adapter's clock, unanswered probes, last rtt", () => {
  const clock = new TestClock(5000);
  const dump = dumpConnection({ user: "root", host: "example.org", port: 22 }, { monitor }, { clock });
  assert.deepEqual(dump, {
    user: "root",
    host: "example.org",
    port: 22,
    state: "probing",
    lastInboundAge: 2100,
    unansweredProbes: 2,
    lastRtt: 1.25,
    probesSent: 3,
    heartbeatsSent: 1,
    channels: undefined,
  });
  clock.advance(400);
  assert.equal(dumpConnection({ user: "root", host: "h", port: 22 }, { monitor }, { clock }).lastInboundAge, 2500);
});

test("dumpConnection before the first authentication: no state, no age, zero counters", () => {
  assert.deepEqual(dumpConnection({ user: undefined, host: "h", port: 2222 }, { monitor: undefined }), {
    user: undefined,
    host: "h",
    port: 2222,
    state: undefined,
    lastInboundAge: undefined,
    unansweredProbes: 0,
    lastRtt: undefined,
    probesSent: 0,
    heartbeatsSent: 0,
    channels: undefined,
  });
});

test("dumpConnection lists open channels with type and subtype, not pending opens or reserved ids", () => {
  const pending = (): void => {};
  const client = {
    _chanMgr: {
      _channels: {
        3: { type: "direct-tcpip", subtype: undefined },
        0: { type: "session", subtype: "exec" },
        1: pending,
        2: true,
      },
    },
  } as unknown as Client;
  const target = { user: "me", host: "h", port: 22 };
  assert.deepEqual(dumpConnection(target, { monitor }, { client }).channels, [
    { id: 0, type: "session", subtype: "exec" },
    { id: 3, type: "direct-tcpip", subtype: undefined },
  ]);
  // A real ssh2 Client has no channel table before connect(): not known, rather than none.
  assert.equal(dumpConnection(target, { monitor }, { client: new ssh2.Client() }).channels, undefined);
});
