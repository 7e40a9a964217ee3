/**
 * ServerAlive against real servers (integration, real time over loopback): a server that vanishes, either frozen
 * with SIGSTOP or behind a proxy that blackholes both directions, is declared dead at last-inbound + (C+1)·I —
 * never earlier, and within a tolerance that holds on a slow 2-core machine — and 'close' follows at once. Against
 * the sshd and Dropbear of every peer generation.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { freeze, GENERATIONS, startProxy, stopAll, thaw, waitUntil } from "@tsalive/test-support";
import { ClientTimeoutError } from "../src/index.ts";
import { type Attached, connect, type Peer, type ServerKind, serversOf } from "./_peers.ts";

after(stopAll);

const INTERVAL = 500;
const COUNT_MAX = 2;
const BOUND = (COUNT_MAX + 1) * INTERVAL;
/** Late by at most this much: timer lateness plus event-loop turns on a loaded 2-core box. Never early. */
const LATE = 300;

/** ssh2's debug output, timestamped: the test's own record of when the last packet arrived. */
function inboundLog(): { debug: (message: string) => void; last: () => number } {
  let last = Number.NaN;
  return {
    debug(message) {
      if (message.startsWith("Inbound:")) last = performance.now();
    },
    last: () => last,
  };
}

/** When death is due and how it is reported: ServerAliveCountMax mode by default. */
interface Expected {
  readonly bound: number;
  readonly probes: number;
  readonly code: "ALIVE_TIMEOUT" | "REPLY_TIMEOUT";
}

const COUNT_MODE: Expected = { bound: BOUND, probes: COUNT_MAX, code: "ALIVE_TIMEOUT" };

/** Waits for the death of a vanished server and checks when and how it was reported. */
async function expectDeath(
  attached: Attached,
  host: string,
  inbound: { last: () => number },
  { bound, probes: expectedProbes, code }: Expected = COUNT_MODE,
): Promise<string> {
  const { liveness } = attached;
  let probes = 0;
  liveness.on("probe", () => probes++);
  const timedOut = new Promise<{ error: ClientTimeoutError; at: number; lastInboundAt: number }>((resolve) => {
    liveness.on("timeout", (error) => {
      const at = performance.now();
      resolve({ error, at, lastInboundAt: liveness.stats().monitor?.lastInboundAt ?? Number.NaN });
    });
  });
  const { error, at, lastInboundAt } = await timedOut;
  const closedAt = await attached.closed;
  // The monitor's view, and the test's own from ssh2's packet log, agree on when the last packet came.
  assert.ok(Math.abs(lastInboundAt - inbound.last()) < 5, `monitor ${lastInboundAt}, packet log ${inbound.last()}`);
  const silence = at - inbound.last();
  // The monitor keeps whole milliseconds rounded up, so its deadline may read up to 1 ms before the exact one.
  assert.ok(silence >= bound - 1, `declared dead after ${silence.toFixed(1)} ms of silence, before ${bound} ms`);
  assert.ok(silence <= bound + LATE, `declared dead after ${silence.toFixed(1)} ms of silence, bound ${bound} ms`);
  assert.ok(closedAt - at < 200, `'close' ${closedAt - at} ms after the timeout`);
  assert.equal(probes, expectedProbes, "probes sent before the end");
  assert.ok(error instanceof ClientTimeoutError);
  assert.equal(error.code, code);
  assert.equal(error.message, `Timeout, server ${host} not responding.`);
  assert.equal(error.level, "client-timeout");
  assert.equal(attached.errors[0], error, "the client emitted the same error");
  return `dead ${silence.toFixed(1)} ms after the last packet (bound ${bound}), 'close' ${(closedAt - at).toFixed(1)} ms later`;
}

/** Healthy first: replies come back and reset the count. */
async function expectReplies(attached: Attached, count: number): Promise<void> {
  await waitUntil(() => (attached.liveness.stats().monitor?.replies ?? 0) >= count, {
    timeout: 10 * INTERVAL * count,
    what: `${count} probe replies`,
  });
  assert.equal(attached.liveness.stats().monitor?.state, "running");
}

function suite(peer: ServerKind): void {
  describe(`ServerAlive against ${peer.name}`, { skip: peer.skip }, () => {
    it(`declares a frozen server dead at (C+1)·I after the last packet (I=${INTERVAL} C=${COUNT_MAX})`, async (t) => {
      const server: Peer = await peer.start();
      const inbound = inboundLog();
      const attached = connect(
        server,
        { probe: { interval: INTERVAL, countMax: COUNT_MAX }, host: "frozen.test" },
        { debug: inbound.debug },
      );
      await attached.ready;
      await expectReplies(attached, 2);
      const pids = server.allPids();
      freeze(pids);
      try {
        t.diagnostic(await expectDeath(attached, "frozen.test", inbound));
      } finally {
        thaw(pids);
        await server.stop();
      }
    });

    it("declares a server behind a two-way blackhole dead at (C+1)·I after the last packet", async (t) => {
      const server = await peer.start();
      const proxy = await startProxy({ target: { port: server.port } });
      const inbound = inboundLog();
      const attached = connect(
        server,
        { probe: { interval: INTERVAL, countMax: COUNT_MAX } },
        { port: proxy.port, host: "127.0.0.1", debug: inbound.debug },
      );
      await attached.ready;
      await expectReplies(attached, 2);
      proxy.set("both", { mode: "blackhole" });
      try {
        t.diagnostic(await expectDeath(attached, "127.0.0.1", inbound));
      } finally {
        await proxy.close();
        await server.stop();
      }
    });

    it("in reply-timeout mode, declares it dead at I + replyTimeout after the last packet, after one probe", async (t) => {
      const server = await peer.start();
      // Larger than the interval: the next probe is due before the pending reply deadline (core-requests.md).
      const replyTimeout = 1000;
      const inbound = inboundLog();
      const attached = connect(
        server,
        { probe: { interval: INTERVAL, replyTimeout }, host: "frozen.test" },
        { debug: inbound.debug },
      );
      await attached.ready;
      await expectReplies(attached, 1);
      const pids = server.allPids();
      freeze(pids);
      try {
        const expected: Expected = { bound: INTERVAL + replyTimeout, probes: 1, code: "REPLY_TIMEOUT" };
        t.diagnostic(await expectDeath(attached, "frozen.test", inbound, expected));
      } finally {
        thaw(pids);
        await server.stop();
      }
    });
  });
}

for (const generation of GENERATIONS) {
  describe(generation, () => {
    for (const peer of serversOf(generation)) suite(peer);
  });
}
