import assert from "node:assert/strict";
import { test } from "node:test";
import { Emitter, type MonitorStats } from "@tsalive/core";
import { TestClock } from "@tsalive/core/testing";
import type { ConnectionLiveness, ConnectionLivenessStats, ServerLivenessEvents } from "@tsalive/ssh2-server";
import { trackConnections } from "./connection_dump.ts";

function fakeConnection(stats: ConnectionLivenessStats, pids: number[]): ConnectionLiveness {
  return { stats: () => stats, supervisor: { pids } } as unknown as ConnectionLiveness;
}

const INFO = { user: "root", addr: "127.0.0.1", port: 40000, laddr: "127.0.0.1", lport: 22 };
const MONITOR: MonitorStats = {
  state: "probing",
  probesSent: 3,
  replies: 1,
  unansweredProbes: 2,
  heartbeatsSent: 0,
  rtt: { last: 0.8, min: 0.8, avg: 0.8, max: 0.8, samples: 1 },
  lastInboundAt: 1000,
  lastOutboundAt: 2500,
};

test("dump() describes every open connection from its stats and supervisor, on the adapter's clock", () => {
  const events = new Emitter<ServerLivenessEvents>();
  const clock = new TestClock();
  const tracker = trackConnections(events, { clock });
  const base = { authenticated: true, processes: 1, answeredRequests: 0, unanswerableRequests: 0 };
  const live = fakeConnection({ ...base, info: INFO, openChannels: 1, monitor: MONITOR }, [4242]);
  const fresh = fakeConnection(
    { ...base, authenticated: false, info: { ...INFO, user: undefined }, openChannels: undefined, monitor: undefined },
    [],
  );
  events.emit("accept", live);
  clock.advance(500);
  events.emit("accept", fresh);
  clock.advance(2500);
  assert.deepEqual(tracker.dump(), [
    {
      user: "root",
      addr: "127.0.0.1",
      port: 40000,
      authenticated: true,
      age: 3000,
      state: "probing",
      lastInboundAge: 2000,
      unansweredProbes: 2,
      lastRtt: 0.8,
      openChannels: 1,
      processes: [4242],
    },
    {
      user: undefined,
      addr: "127.0.0.1",
      port: 40000,
      authenticated: false,
      age: 2500,
      state: undefined,
      lastInboundAge: undefined,
      unansweredProbes: 0,
      lastRtt: undefined,
      openChannels: undefined,
      processes: [],
    },
  ]);
  events.emit("close", { connection: live, payload: { stopped: [] } });
  assert.deepEqual(
    tracker.dump().map((dump) => dump.age),
    [2500],
  );
  tracker.stop();
  assert.equal(events.listenerCount(), 0);
  assert.deepEqual(tracker.dump(), []);
});
