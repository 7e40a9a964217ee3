/**
 * Healthy real clients stay connected (integration, real time over loopback): OpenSSH's ServerAlive probes are
 * answered for 30 probes with ClientAlive and the watchdog on, heartbeats reach an OpenSSH client (its `-vvv` log
 * shows each SSH_MSG_IGNORE), and Dropbear's keepalives are answered. Against the ssh and dbclient of every peer
 * generation; the generations run side by side (each one's tests in turn), since these tests mostly wait: the file
 * takes as long as one generation (about 45 s) instead of three times that.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  GENERATIONS,
  type Generation,
  startDbclient,
  startSshClient,
  stopAll,
  toDropbearKey,
} from "@tsalive/test-support";
import { clientsOf } from "./_clients.ts";
import { startTestServer } from "./_server.ts";

after(stopAll);

function count(log: string, pattern: RegExp): number {
  return log.split("\n").filter((line) => pattern.test(line)).length;
}

function suite(generation: Generation): void {
  const clients = clientsOf(generation);
  const [ssh, dbclient] = clients;
  it(`${ssh.name} with ServerAliveInterval 1: 30 probes answered, no death on either side`, {
    skip: ssh.skip,
    timeout: 60_000,
  }, async (t) => {
    // Both server mechanisms on: the client's probes are inbound traffic, so neither ever fires.
    const test = await startTestServer({ probe: { interval: 3000, countMax: 1 }, watchdog: { timeout: 5000 } });
    let timeouts = 0;
    test.liveness.on("timeout", () => timeouts++);
    const client = startSshClient({
      generation,
      port: test.port,
      user: "tester",
      identity: test.key.privatePath,
      command: "echo ready; sleep 31.5; echo done",
      options: { ServerAliveInterval: 1, ServerAliveCountMax: 3 },
      verbose: true,
    });
    try {
      const exit = await client.exited;
      const log = client.output;
      const probes = count(log, /send packet: type 80\r?$/);
      const replies = count(log, /receive packet: type 8[12]\r?$/);
      t.diagnostic(`ssh sent ${probes} keepalive@openssh.com probes, received ${replies} replies`);
      assert.equal(exit.code, 0, log.slice(-2000));
      assert.match(log, /^done$/m);
      assert.doesNotMatch(log, /Timeout, server .* not responding/);
      assert.ok(probes >= 30, `ssh probed ${probes} times`);
      assert.equal(replies, probes, "every probe answered");
      assert.equal(timeouts, 0);
    } finally {
      await client.stop(500);
      await test.close();
    }
  });

  it(`heartbeats reach ${ssh.name}, which logs each SSH_MSG_IGNORE and stays connected`, {
    skip: ssh.skip,
  }, async (t) => {
    const test = await startTestServer({ heartbeat: { interval: 400 } });
    let heartbeats = 0;
    test.liveness.on("heartbeat", () => heartbeats++);
    const client = startSshClient({
      generation,
      port: test.port,
      user: "tester",
      identity: test.key.privatePath,
      command: "echo ready; sleep 3; echo done",
      verbose: true,
    });
    try {
      const exit = await client.exited;
      const received = count(client.output, /Received SSH2_MSG_IGNORE/);
      t.diagnostic(`server sent ${heartbeats} heartbeats; ssh's -vvv log shows ${received} SSH2_MSG_IGNORE`);
      assert.equal(exit.code, 0);
      assert.match(client.output, /^done$/m);
      assert.ok(heartbeats >= 5, `${heartbeats} heartbeats in 3 s of outbound silence at 400 ms`);
      assert.equal(received, heartbeats, "every heartbeat reached the client");
    } finally {
      await client.stop(500);
      await test.close();
    }
  });

  it(`${dbclient.name} -K 1 (global keepalives every second of silence) stays connected`, {
    skip: dbclient.skip,
  }, async () => {
    const test = await startTestServer({ probe: { interval: 3000, countMax: 1 } });
    let timeouts = 0;
    test.liveness.on("timeout", () => timeouts++);
    const db = startDbclient({
      generation,
      port: test.port,
      user: "tester",
      identity: toDropbearKey(test.key),
      command: "echo ready; sleep 5; echo done",
      args: ["-K", "1"],
    });
    try {
      const exit = await db.exited;
      assert.equal(exit.code, 0, db.output);
      assert.match(db.output, /^done$/m);
      assert.doesNotMatch(db.output, /Keepalive timeout/);
      assert.equal(timeouts, 0);
    } finally {
      await db.stop(500);
      await test.close();
    }
  });

  for (const peer of clients) {
    it(`${peer.name} answers ClientAlive probes sent on its session channel; a quiet healthy client never dies`, {
      skip: peer.skip,
    }, async (t) => {
      const test = await startTestServer({ probe: { interval: 300, countMax: 2 } });
      const via: string[] = [];
      let replies = 0;
      let timeouts = 0;
      test.liveness.on("probe", ({ payload }) => via.push(payload.via));
      test.liveness.on("reply", () => replies++);
      test.liveness.on("timeout", () => timeouts++);
      const client = peer.start(test, "echo ready; sleep 2.5; echo done");
      try {
        const exit = await client.exited;
        t.diagnostic(
          `${via.length} probes (${via.filter((v) => v === "channel").length} on the channel), ${replies} replies`,
        );
        assert.equal(exit.code, 0, client.output);
        assert.match(client.output, /^done$/m);
        assert.equal(timeouts, 0);
        assert.ok(via.filter((v) => v === "channel").length >= 4, "probes went on the open session channel");
        assert.ok(replies >= via.length - 1, "each probe answered (the last may cross the close)");
      } finally {
        await client.stop(500);
        await test.close();
      }
    });
  }
}

describe("healthy real clients stay connected", { concurrency: GENERATIONS.length }, () => {
  for (const generation of GENERATIONS) describe(generation, () => suite(generation));
});
