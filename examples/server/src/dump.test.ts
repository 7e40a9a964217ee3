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
  channels: [
    { id: 0, type: "session", label: "session:command", idleMs: 2500 },
    { id: 1, type: "direct-tcpip", label: "direct-tcpip", idleMs: undefined },
    { id: 2, type: "x11", label: "x11-connection", idleMs: 0 },
  ],
  processes: [4242],
} as const;

test("one line per connection: who, last inbound, unanswered probes, rtt, channels, processes", () => {
  assert.equal(
    formatDump(BASE, (pid) => (pid === 4242 ? "sleep 600" : undefined)),
    "connection user root 127.0.0.1 port 40000: up 12.0 s, probing, last inbound 2.1 s ago, 2 unanswered probes, last rtt 0.3 ms, channels 0 session:command idle 2.5 s, 1 direct-tcpip, 2 x11-connection (x11) idle 0.0 s, processes 4242 (sleep 600)",
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
      channels: undefined,
      processes: [],
    }),
    "connection 127.0.0.1 port 40000: up 12.0 s, not authenticated, 0 unanswered probes, no rtt yet, no processes",
  );
  assert.equal(
    formatDump({ ...BASE, age: undefined, channels: [], processes: [] }),
    "connection user root 127.0.0.1 port 40000: probing, last inbound 2.1 s ago, 2 unanswered probes, last rtt 0.3 ms, no channels, no processes",
  );
});
