/**
 * Chains of real servers (integration, real time over loopback): OpenSSH 9.2, the newest OpenSSH generation, and
 * Dropbear, each hop over a direct-tcpip channel of the one before. Freezing any one hop (SIGSTOP) reports exactly
 * that hop, `Timeout, server HOP not responding.`, at that hop's own bound — even when the hops beyond it, whose
 * packets it carries, have shorter bounds and give up first — and the chain closes from the far end inward with
 * nothing of tsalive left behind. A normal close does the same.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freeze, PEERS as GENERATION_PEERS, GENERATIONS, stopAll, thaw, waitUntil } from "@tsalive/test-support";
import type { Client } from "ssh2";
import { type Chain, type ChainHop, connectChain } from "../src/index.ts";
import { type Peer, type ServerKind, serversOf } from "./_peers.ts";

after(stopAll);

/** Timer lateness plus a verification round trip through the nearer hops, on a loaded 2-core box. Never early. */
const LATE = 50;
const NEWEST = GENERATIONS.filter((generation) => !GENERATION_PEERS[generation].host).at(-1) ?? "bookworm";
const [sshd92, dropbear92] = serversOf("bookworm") as [ServerKind, ServerKind];
const [sshdNew] = serversOf(NEWEST) as [ServerKind];

/** Per hop: its name, its liveness, and ssh2's packet log timestamped (the test's own record of the last packet). */
interface Plan {
  readonly name: string;
  readonly interval: number;
  readonly countMax: number;
}

/** Nearest first: the hops beyond have shorter bounds, so a frozen near hop silences them before its own bound. */
const PLANS: readonly Plan[] = [
  { name: "bastion", interval: 500, countMax: 2 }, // 1500 ms
  { name: "inner", interval: 400, countMax: 2 }, // 1200 ms
  { name: "target", interval: 300, countMax: 3 }, // 1200 ms
];

function hopsFor(servers: readonly Peer[], lastInbound: number[]): ChainHop[] {
  return servers.map((server, index) => {
    const plan = PLANS[index] as Plan;
    return {
      name: plan.name,
      connect: {
        host: "127.0.0.1",
        port: server.port,
        username: server.user,
        privateKey: server.privateKey,
        readyTimeout: 10_000,
        debug: (message: string) => {
          if (message.startsWith("Inbound:")) lastInbound[index] = performance.now();
        },
      },
      liveness: { probe: { interval: plan.interval, countMax: plan.countMax } },
    };
  });
}

/** What a leak check compares: Node's active timers and the listeners on every hop's client. */
function footprint(clients: readonly Client[]): { timers: number; listeners: number[] } {
  return {
    timers: process.getActiveResourcesInfo().filter((name) => name === "Timeout").length,
    listeners: clients.map((client) =>
      client.eventNames().reduce((sum, name) => sum + (name === "error" ? 0 : client.listenerCount(name)), 0),
    ),
  };
}

async function exec(client: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let out = "";
      stream.on("data", (data: Buffer) => {
        out += data.toString();
      });
      stream.stderr.resume();
      stream.on("close", () => resolve(out));
    });
  });
}

describe("chains of real servers", {
  skip: sshd92.skip || dropbear92.skip || sshdNew.skip,
}, () => {
  let servers: Peer[] = [];
  before(async () => {
    servers = await Promise.all([sshd92.start(), sshdNew.start(), dropbear92.start()]);
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it(`three hops (${sshd92.name}, ${sshdNew.name}, ${dropbear92.name}): each reaches the next, far end first on close`, async () => {
    const baseline = footprint([]);
    const chain = connectChain(hopsFor(servers, []));
    const order: string[] = [];
    chain.on("hop-close", ({ hop }) => order.push(hop));
    const target = await chain.ready;
    // The target sees the connection coming from the inner hop's direct-tcpip, not from us.
    assert.match(await exec(target, "echo $SSH_CONNECTION"), /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+/);
    // The dump: every hop where it goes, heard from just now (the exec's packets crossed them all), and each jump
    // host's one channel, the direct-tcpip to the next hop; the exec's session is closed again.
    const dump = chain.dump();
    assert.deepEqual(
      dump.map(({ hop, index, user, host, port, state, channels }) => ({
        hop,
        index,
        user,
        host,
        port,
        state,
        channels,
      })),
      servers.map((server, index) => ({
        hop: (PLANS[index] as Plan).name,
        index,
        user: server.user,
        host: "127.0.0.1",
        port: server.port,
        state: "running",
        channels: index < servers.length - 1 ? [{ id: 0, type: "direct-tcpip", subtype: undefined }] : [],
      })),
    );
    for (const hop of dump) {
      assert.ok(
        (hop.lastInboundAge as number) >= 0 && (hop.lastInboundAge as number) < 1000,
        `${hop.hop}: ${hop.lastInboundAge}`,
      );
      assert.equal(hop.unansweredProbes, 0);
    }
    const end = await chain.close();
    assert.equal(end.cause, "local");
    assert.ok(chain.dump().every((hop) => hop.state === undefined && hop.lastInboundAge === undefined));
    assert.deepEqual(order, ["target", "inner", "bastion"]);
    await new Promise((resolve) => setImmediate(resolve));
    const left = footprint(chain.clients);
    assert.equal(left.timers, baseline.timers, "no timer left");
    assert.deepEqual(left.listeners, [0, 0, 0], "no listener left on any hop's client");
    assert.ok(chain.stats().every((hop) => hop.liveness === undefined));
  });

  it(`two hops (${dropbear92.name} as the jump host, then ${sshd92.name}): Dropbear answers the verification`, async () => {
    const [sshd, , dropbear] = servers as [Peer, Peer, Peer];
    const lastInbound: number[] = [];
    const chain = connectChain(hopsFor([dropbear, sshd], lastInbound));
    const target = await chain.ready;
    assert.equal((await exec(target, "echo ok")).trim(), "ok");
    const reported: string[] = [];
    let reportedAt = Number.NaN;
    chain.on("timeout", ({ hop }) => {
      reported.push(hop);
      reportedAt = performance.now();
    });
    // Freeze the target: the Dropbear jump host must answer the verification for the target to be named.
    const pids = sshd.allPids();
    freeze(pids);
    try {
      const end = await chain.closed;
      assert.equal(end.cause, "timeout");
      assert.deepEqual(reported, ["inner"]); // the second plan's name: this chain's far end
      const silence = reportedAt - (lastInbound[1] as number);
      assert.ok(silence >= 1200 - 1, `reported after ${silence.toFixed(1)} ms of silence, before 1200 ms`);
      assert.ok(silence <= 1200 + LATE, `reported after ${silence.toFixed(1)} ms of silence, bound 1200 ms`);
    } finally {
      thaw(pids);
    }
  });

  for (const frozen of [0, 1, 2]) {
    const plan = PLANS[frozen] as Plan;
    const bound = (plan.countMax + 1) * plan.interval;
    it(`freezing the ${plan.name} reports exactly it, at its own bound (${bound} ms), then closes inward`, async (t) => {
      const baseline = footprint([]);
      const lastInbound: number[] = [];
      const chain: Chain = connectChain(hopsFor(servers, lastInbound));
      const reported: { hop: string; message: string; at: number }[] = [];
      let monitorLast = Number.NaN;
      chain.on("timeout", ({ hop, index, error }) => {
        reported.push({ hop, message: error.message, at: performance.now() });
        monitorLast = chain.stats()[index]?.liveness?.monitor?.lastInboundAt ?? Number.NaN;
      });
      const order: string[] = [];
      chain.on("hop-close", ({ hop }) => order.push(hop));
      await chain.ready;
      // Healthy first: the target's probes are answered (they are traffic of every nearer hop too, so those
      // never fall silent long enough to probe).
      await waitUntil(() => (chain.stats()[2]?.liveness?.monitor?.replies ?? 0) >= 2, {
        timeout: 5000,
        what: "two replies to the target's probes",
      });
      const pids = (servers[frozen] as Peer).allPids();
      freeze(pids);
      try {
        const end = await chain.closed;
        assert.equal(end.cause, "timeout");
        assert.equal(end.hop?.hop, plan.name);
        assert.equal(reported.length, 1, JSON.stringify(reported));
        const [report] = reported as [{ hop: string; message: string; at: number }];
        assert.equal(report.hop, plan.name);
        assert.equal(report.message, `Timeout, server ${plan.name} not responding.`);
        const silence = report.at - (lastInbound[frozen] as number);
        assert.ok(silence >= bound - 1, `reported after ${silence.toFixed(1)} ms of silence, before ${bound} ms`);
        assert.ok(silence <= bound + LATE, `reported after ${silence.toFixed(1)} ms of silence, bound ${bound} ms`);
        // Far end inward: the dead hop and those beyond it first (in any order: they died together), then the
        // nearer ones, each after the one beyond it.
        const nearer = PLANS.slice(0, frozen)
          .map((p) => p.name)
          .reverse();
        assert.equal(order.length, PLANS.length);
        assert.deepEqual(order.slice(order.length - nearer.length), nearer, order.join(", "));
        await new Promise((resolve) => setImmediate(resolve));
        const left = footprint(chain.clients);
        assert.equal(left.timers, baseline.timers, "no timer left");
        assert.deepEqual(left.listeners, [0, 0, 0], "no listener left on any hop's client");
        t.diagnostic(
          `${plan.name}: reported ${silence.toFixed(1)} ms after its last packet (bound ${bound}; the monitor's last inbound ${(monitorLast - (lastInbound[frozen] as number)).toFixed(1)} ms after the packet log's)`,
        );
      } finally {
        thaw(pids);
      }
    });
  }
});
