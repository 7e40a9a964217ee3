import assert from "node:assert/strict";
import { test } from "node:test";
import { Emitter, type MonitorStats } from "@tsalive/core";
import { TestClock } from "@tsalive/core/testing";
import type {
  ChannelInfo,
  ConnectionLiveness,
  ConnectionLivenessStats,
  ServerLivenessEvents,
} from "@tsalive/ssh2-server";
import { trackConnections } from "./connection_dump.ts";

function fakeConnection(
  stats: ConnectionLivenessStats,
  channels: ChannelInfo[] | undefined,
  pids: number[],
): ConnectionLiveness {
  return { stats: () => stats, channels: () => channels, supervisor: { pids } } as unknown as ConnectionLiveness;
}

/** A server handle: its events, and the open connections it lists. */
function fakeServer() {
  const events = new Emitter<ServerLivenessEvents>();
  const open: ConnectionLiveness[] = [];
  return { on: events.on.bind(events), connections: () => [...open], events, open };
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

test("dump() describes every open connection from its stats, channels and supervisor, on the adapter's clock", () => {
  const server = fakeServer();
  const { events, open } = server;
  const clock = new TestClock();
  const base = { authenticated: true, processes: 1, answeredRequests: 0, unanswerableRequests: 0 };
  const shell: ChannelInfo = { id: 0, type: "session", label: "session:shell", idleMs: 1500 };
  const early = fakeConnection({ ...base, info: INFO, openChannels: 0, monitor: undefined }, [], []);
  open.push(early);
  const tracker = trackConnections(server, { clock });
  const live = fakeConnection({ ...base, info: INFO, openChannels: 1, monitor: MONITOR }, [shell], [4242]);
  const fresh = fakeConnection(
    { ...base, authenticated: false, info: { ...INFO, user: undefined }, openChannels: undefined, monitor: undefined },
    undefined,
    [],
  );
  open.push(live);
  events.emit("accept", live);
  clock.advance(500);
  open.push(fresh);
  events.emit("accept", fresh);
  clock.advance(2500);
  assert.equal(tracker.dump()[0]?.age, undefined, "accepted before trackConnections(): no age");
  open.shift();
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
      channels: [shell],
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
      channels: undefined,
      processes: [],
    },
  ]);
  open.shift();
  assert.deepEqual(
    tracker.dump().map((dump) => dump.age),
    [2500],
  );
  tracker.stop();
  assert.equal(events.listenerCount(), 0);
  assert.deepEqual(tracker.dump(), []);
});
