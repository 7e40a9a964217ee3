import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDump } from "./dump.ts";

const BASE = {
  user: "root",
  addr: "127.0.0.1",
  port: 40000,
  authenticated: true,
  age: 12_000,
  state: "probing",
  lastInboundAge: 2100,
  unansweredProbes: 2,
  lastRtt: 0.34,
  openChannels: 1,
  processes: [4242],
} as const;

test("one line per connection: who, last inbound, unanswered probes, rtt, channels, processes", () => {
  assert.equal(
    formatDump(BASE, (pid) => (pid === 4242 ? "sleep 600" : undefined)),
    "connection user root 127.0.0.1 port 40000: up 12.0 s, probing, last inbound 2.1 s ago, 2 unanswered probes, last rtt 0.3 ms, 1 channel open, processes 4242 (sleep 600)",
  );
  assert.equal(
    formatDump({
      ...BASE,
      user: undefined,
      authenticated: false,
      state: undefined,
      lastInboundAge: undefined,
      unansweredProbes: 0,
      lastRtt: undefined,
      openChannels: undefined,
      processes: [],
    }),
    "connection 127.0.0.1 port 40000: up 12.0 s, not authenticated, 0 unanswered probes, no rtt yet, no processes",
  );
});
