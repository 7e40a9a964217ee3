/**
 * UnusedConnectionTimeout and ChannelTimeout (integration, in-process ssh2 Client and Server over loopback, real
 * time): sshd 9.2's semantics, including the `session:*` relabelling and keepalives that do not count as activity.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { isRunning, stopAll, waitUntil } from "@tsalive/test-support";
import ssh2, { type ClientChannel } from "ssh2";
import type { ServerOptions, ServerTimeoutError } from "../src/index.ts";
import { sleep } from "./_clients.ts";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

const LATE = 600;

async function connect(test: TestServer): Promise<{ client: ssh2.Client; closed: Promise<number> }> {
  const client = new ssh2.Client();
  const closed = new Promise<number>((resolve) => client.once("close", () => resolve(performance.now())));
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port: test.port, username: "tester", privateKey: test.key.privateKey });
  });
  client.on("error", () => {});
  return { client, closed };
}

function exec(client: ssh2.Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      stream.resume();
      stream.stderr.resume();
      resolve(stream);
    });
  });
}

function channelClosed(stream: ClientChannel): Promise<number> {
  return new Promise((resolve) => stream.once("close", () => resolve(performance.now())));
}

async function withServer(options: ServerOptions, run: (test: TestServer) => Promise<void>): Promise<void> {
  const test = await startTestServer(options);
  try {
    await run(test);
  } finally {
    await test.close();
  }
}

describe("UnusedConnectionTimeout", () => {
  it("closes a connection that never opens a channel, with sshd's message", async () => {
    await withServer({ unusedConnectionTimeout: 800 }, async (test) => {
      const timeouts: ServerTimeoutError[] = [];
      test.liveness.on("timeout", ({ payload }) => timeouts.push(payload));
      const readyAt = performance.now();
      const { closed } = await connect(test);
      const took = (await closed) - readyAt;
      assert.ok(took >= 800 - 50 && took <= 800 + LATE, `closed after ${took.toFixed(0)} ms`);
      assert.equal(timeouts[0]?.code, "UNUSED_CONNECTION_TIMEOUT");
      assert.match(
        timeouts[0]?.message ?? "",
        /^terminating inactive connection from user tester 127\.0\.0\.1 port \d+$/,
      );
    });
  });

  it("counts from the moment the last channel closes", async () => {
    await withServer({ unusedConnectionTimeout: 800 }, async (test) => {
      const { client, closed } = await connect(test);
      const stream = await exec(client, "sleep 1.2");
      const streamClosedAt = await channelClosed(stream);
      const took = (await closed) - streamClosedAt;
      assert.ok(took >= 800 - 100 && took <= 800 + LATE, `closed ${took.toFixed(0)} ms after the channel`);
    });
  });
});

describe("ChannelTimeout", () => {
  it("closes a silent command's channel (session:command) and stops its process; the connection stays", async () => {
    await withServer({ channelTimeout: { "session:command": 700 }, killGrace: 200 }, async (test) => {
      const events: { label: string }[] = [];
      test.liveness.on("channel-timeout", ({ payload }) => events.push(payload));
      const { client } = await connect(test);
      const openedAt = performance.now();
      const stream = await exec(client, "exec sleep 30");
      const connection = test.connections[0];
      assert.ok(connection);
      const liveness = test.liveness.of(connection);
      await waitUntil(() => (liveness?.supervisor.size ?? 0) === 1, { timeout: 2000, what: "the command" });
      const [pid] = liveness?.supervisor.pids ?? [];
      const took = (await channelClosed(stream)) - openedAt;
      assert.ok(took >= 700 - 50 && took <= 700 + LATE, `channel closed after ${took.toFixed(0)} ms`);
      assert.deepEqual(events, [{ channel: 0, label: "session:command" }]);
      assert.ok(pid !== undefined);
      await waitUntil(() => !isRunning(pid), { timeout: 2000, what: "the command to be stopped" });
      assert.equal(liveness?.stats().openChannels, 0);
      assert.ok(!(client as unknown as { _sock: { destroyed: boolean } })._sock.destroyed, "connection still up");
      client.end();
    });
  });

  it("keeps a channel with data flowing open; ClientAlive probes on the channel do not count", async () => {
    await withServer(
      { channelTimeout: { "session:*": 800 }, probe: { interval: 150, countMax: 100 } },
      async (test) => {
        const { client } = await connect(test);
        const busy = await exec(client, "for i in 1 2 3 4 5 6 7 8; do echo x; sleep 0.2; done");
        const quiet = await exec(client, "exec sleep 30");
        const quietOpenedAt = performance.now();
        let probes = 0;
        const connection = test.connections[0];
        assert.ok(connection);
        test.liveness.of(connection)?.on("probe", ({ via }) => {
          if (via === "channel") probes++;
        });
        const [busyClosedAt, quietClosedAt] = await Promise.all([channelClosed(busy), channelClosed(quiet)]);
        const quietTook = quietClosedAt - quietOpenedAt;
        assert.ok(probes >= 2, `channel probes went out (${probes}) and did not keep the channel open`);
        assert.ok(quietTook <= 800 + LATE, `the quiet channel closed after ${quietTook.toFixed(0)} ms`);
        assert.ok(busyClosedAt - quietOpenedAt >= 1400, "the busy channel ran its course");
        client.end();
      },
    );
  });

  it("a bare `session` pattern does not match a started session (the sshd 9.2 relabelling)", async () => {
    await withServer({ channelTimeout: { session: 300 } }, async (test) => {
      const events: unknown[] = [];
      test.liveness.on("channel-timeout", ({ payload }) => events.push(payload));
      const { client } = await connect(test);
      const stream = await exec(client, "sleep 1; echo done");
      let output = "";
      stream.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      await channelClosed(stream);
      assert.equal(events.length, 0);
      assert.match(output, /done/);
      await sleep(50);
      client.end();
    });
  });
});
