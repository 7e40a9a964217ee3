import assert from "node:assert/strict";
import { test } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import { dumpClient, formatClientDump } from "./dump.ts";

test("the SIGUSR1 line: last inbound age on the adapter's clock, unanswered probes, last rtt", () => {
  const clock = new TestClock(5000);
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
  const dump = dumpClient({ user: "root", host: "example.org", port: 22 }, { monitor }, clock);
  assert.equal(dump.lastInboundAge, 2100);
  assert.equal(
    formatClientDump(dump),
    "connection to root@example.org port 22: probing, last inbound 2.1 s ago, 2 unanswered probes, last rtt 1.3 ms, 3 probes sent, 1 heartbeat sent",
  );
  assert.equal(
    formatClientDump(dumpClient({ user: "u", host: "h", port: 2222 }, { monitor: undefined }, clock)),
    "connection to u@h port 2222: not authenticated, 0 unanswered probes, no rtt yet, 0 probes sent, 0 heartbeats sent",
  );
});
