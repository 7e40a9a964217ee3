/**
 * mscdex/ssh2#474 against real servers (integration, real time): a bulk download through a throttled link, where a
 * keepalive reply waits seconds behind the data already in flight. ssh2's built-in keepalive (I=1 s, C=1) probes
 * while data flows and counts only replies, so it kills this healthy connection; tsalive with the same I and C
 * counts every packet received and keeps it. Same server, same proxy, same connect() options: the only difference
 * is attach().
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type FaultProxy, startProxy, stopAll } from "@tsalive/test-support";
import type { Client, ClientChannel } from "ssh2";
import { type Connected, connect, connectPlain, PEERS, type Peer, sleep } from "./_peers.ts";

after(stopAll);

const INTERVAL = 1000;
const COUNT_MAX = 1;
/** Slow enough that the ~2 MiB channel window queued ahead of a reply takes several seconds to drain. */
const RATE = 256 * 1024;
/** How long the download runs: well past (C+1)·I, plus the time ssh2's keepalive needs to give up. */
const RUN = 5000;

/** Starts `head -c` of zeros and counts what arrives. */
function download(client: Client): Promise<{ channel: ClientChannel; received: () => number }> {
  return new Promise((resolve, reject) => {
    client.exec("head -c 200000000 /dev/zero", (error, channel) => {
      if (error) return reject(error);
      let received = 0;
      channel.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      channel.stderr.resume();
      resolve({ channel, received: () => received });
    });
  });
}

async function setUp<T extends Connected>(
  peer: Peer,
  make: (extra: object) => T,
): Promise<{ connected: T; proxy: FaultProxy }> {
  const proxy = await startProxy({ target: { port: peer.port } });
  // The same ssh2 options both times: ssh2's keepalive at I=1 s, C=1 (attach() switches it off).
  const connected = make({ port: proxy.port, keepaliveInterval: INTERVAL, keepaliveCountMax: COUNT_MAX });
  await connected.ready;
  proxy.set("down", { mode: "throttle", bytesPerSecond: RATE });
  return { connected, proxy };
}

for (const peer of PEERS) {
  describe(`bulk download through a throttled link from ${peer.name}`, { skip: peer.skip }, () => {
    it("ssh2's built-in keepalive kills the healthy connection; tsalive keeps it", async (t) => {
      const server = await peer.start();
      try {
        // tsalive: no death, data keeps flowing, and no probe was needed.
        {
          const { connected: attached, proxy } = await setUp(server, (extra) =>
            connect(server, { probe: { interval: INTERVAL, countMax: COUNT_MAX } }, extra),
          );
          const { received } = await download(attached.client);
          await sleep(RUN);
          assert.deepEqual(
            attached.errors.map((error) => error.message),
            [],
          );
          const stats = attached.liveness.stats();
          assert.equal(stats.timeouts, 0);
          assert.equal(stats.monitor?.state, "running");
          const bytes = received();
          assert.ok(bytes > RATE, `only ${bytes} bytes arrived in ${RUN} ms`);
          t.diagnostic(`tsalive: alive after ${RUN} ms, ${bytes} bytes, ${stats.monitor?.probesSent} probes`);
          attached.client.end();
          await attached.closed;
          await proxy.close();
        }
        // ssh2 alone: its probe reply waits behind the data and it gives up.
        {
          const { connected: attached, proxy } = await setUp(server, (extra) => connectPlain(server, extra));
          const started = performance.now();
          const { received } = await download(attached.client);
          const closedAt = await Promise.race([attached.closed, sleep(RUN + 5000).then(() => Number.NaN)]);
          assert.ok(!Number.isNaN(closedAt), "ssh2's keepalive did not give up");
          assert.equal(attached.errors[0]?.message, "Keepalive timeout");
          assert.ok(received() > 0, "data was flowing when ssh2 gave up");
          t.diagnostic(
            `ssh2 keepalive: "Keepalive timeout" after ${(closedAt - started).toFixed(0)} ms, ${received()} bytes`,
          );
          await proxy.close();
        }
      } finally {
        await server.stop();
      }
    });
  });
}
