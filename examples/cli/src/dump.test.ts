import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectionDump } from "@tsalive/ssh2-client";
import { formatClientDump } from "./dump.ts";

const probing: ConnectionDump = {
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
};

test("the SIGUSR1 line: last inbound age, unanswered probes, last rtt; channels only when known", () => {
  assert.equal(
    formatClientDump(probing),
    "connection to root@example.org port 22: probing, last inbound 2.1 s ago, 2 unanswered probes, last rtt 1.3 ms, 3 probes sent, 1 heartbeat sent",
  );
  assert.equal(
    formatClientDump({
      ...probing,
      user: "u",
      host: "h",
      port: 2222,
      state: undefined,
      lastInboundAge: undefined,
      unansweredProbes: 0,
      lastRtt: undefined,
      probesSent: 0,
      heartbeatsSent: 0,
      channels: [],
    }),
    "connection to u@h port 2222: not authenticated, 0 unanswered probes, no rtt yet, 0 probes sent, 0 heartbeats sent, no channels",
  );
});

test("through a chain, each line names its hop and place, the same line after it", () => {
  const jump = { ...probing, channels: [{ id: 0, type: "direct-tcpip", subtype: undefined }] };
  assert.equal(
    formatClientDump(jump, { name: "bastion", number: 1, of: 2 }),
    "hop 1/2 bastion: connection to root@example.org port 22: probing, last inbound 2.1 s ago, 2 unanswered probes, last rtt 1.3 ms, 3 probes sent, 1 heartbeat sent, channel 0 direct-tcpip",
  );
  const target = {
    ...probing,
    channels: [
      { id: 0, type: "session", subtype: "exec" },
      { id: 1, type: "direct-tcpip", subtype: undefined },
    ],
  };
  assert.match(
    formatClientDump(target, { name: "db", number: 2, of: 2 }),
    /^hop 2\/2 db: connection to root@example\.org port 22: .*, channels 0 session:exec, 1 direct-tcpip$/,
  );
});
