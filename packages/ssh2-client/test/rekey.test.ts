/**
 * A key exchange in the middle of probing, over a slow link (integration, real servers, real time). During a KEX
 * ssh2 routes inbound packets past `_onPacket` and queues outbound ones, probes included, so a monitor fed by
 * `_onPacket` alone sees silence from the server's KEXINIT until the replies to the queued probes: 2·D on a link
 * with one-way delay D. With I=500 ms, C=3 ((C+1)·I = 2000 ms) and D=1200 ms that is 2400 ms, past the bound,
 * while a plain probe's round trip (I + D = 1700 ms) fits. tsalive counts KEX bytes as activity and must survive.
 * Against the sshd and Dropbear of every peer generation.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GENERATIONS, startProxy, stopAll, waitUntil } from "@tsalive/test-support";
import { connect, type ServerKind, serversOf } from "./_peers.ts";

after(stopAll);

const INTERVAL = 500;
const COUNT_MAX = 3;
const DELAY = 1200;
const REKEYS = 2;

function suite(peer: ServerKind): void {
  describe(`rekey while probing, against ${peer.name}`, { skip: peer.skip }, () => {
    it(`survives ${REKEYS} key exchanges started while a probe is out, over a ${DELAY} ms link`, async (t) => {
      const server = await peer.start();
      const proxy = await startProxy({ target: { port: server.port } });
      const attached = connect(server, { probe: { interval: INTERVAL, countMax: COUNT_MAX } }, { port: proxy.port });
      const { client, liveness } = attached;
      let handshakes = 0;
      client.on("handshake", () => handshakes++);
      try {
        await attached.ready;
        const initial = handshakes;
        proxy.set("down", { mode: "delay", ms: DELAY });
        for (let rekey = 1; rekey <= REKEYS; rekey++) {
          await waitUntil(() => (liveness.stats().monitor?.unansweredProbes ?? 0) >= 1, {
            timeout: 4 * INTERVAL + DELAY,
            what: "a probe to be out",
          });
          (client as unknown as { _protocol: { rekey(): void } })._protocol.rekey();
          await waitUntil(
            () => {
              if (attached.errors.length > 0) throw attached.errors[0];
              return handshakes >= initial + rekey;
            },
            { timeout: 10 * DELAY, what: `key exchange ${rekey}` },
          );
        }
        // Let the probes queued during the last exchange be answered.
        const replies = liveness.stats().monitor?.replies ?? 0;
        await waitUntil(() => (liveness.stats().monitor?.replies ?? 0) > replies, {
          timeout: 4 * INTERVAL + 2 * DELAY,
          what: "a reply after the last key exchange",
        });
        const stats = liveness.stats();
        t.diagnostic(
          `${handshakes - initial} key exchanges, ${stats.monitor?.probesSent} probes, ${stats.monitor?.replies} replies, max rtt ${stats.monitor?.rtt?.max.toFixed(0)} ms`,
        );
        assert.deepEqual(
          attached.errors.map((error) => error.message),
          [],
        );
        assert.equal(stats.timeouts, 0);
        assert.equal(stats.monitor?.state === "running" || stats.monitor?.state === "probing", true);
      } finally {
        client.destroy();
        await attached.closed;
        await proxy.close();
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
