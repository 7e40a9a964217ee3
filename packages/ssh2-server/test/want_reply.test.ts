/**
 * Every want-reply channel request gets exactly one reply (integration, in-process ssh2 Client and Server over
 * loopback). ssh2's server answers requests on a session only before it starts a shell, command or subsystem and
 * before the client's EOF; tsalive answers the rest with CHANNEL_FAILURE, as sshd does for requests it does not
 * handle, so that a client probing by channel request (Dropbear's server-side keepalive, a ClientAlive-like check)
 * never gives up on a healthy server.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { sendChannelKeepalive } from "@tsalive/ssh2-layer";
import { stopAll, waitUntil } from "@tsalive/test-support";
import ssh2, { type ClientChannel } from "ssh2";
import type { Ssh2Protocol } from "../src/_ssh2_internals.ts";
import type { AnsweredRequest } from "../src/index.ts";
import { sleep } from "./_clients.ts";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

async function connect(test: TestServer): Promise<ssh2.Client> {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port: test.port, username: "tester", privateKey: test.key.privateKey });
  });
  return client;
}

function exec(client: ssh2.Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

interface ChannelInternals {
  readonly outgoing: { readonly id: number };
  readonly _callbacks: ((failed: boolean) => void)[];
}

/** Sends `keepalive@openssh.com` want-reply on the client's channel and collects the replies it gets. */
function probe(client: ssh2.Client, channel: ClientChannel, replies: boolean[]): void {
  const internals = channel as unknown as ChannelInternals;
  internals._callbacks.push((failed) => replies.push(failed));
  sendChannelKeepalive((client as unknown as { _protocol: Ssh2Protocol })._protocol, internals.outgoing.id);
}

describe("want-reply channel requests", () => {
  it("are answered once the session runs a command, and after the client's EOF", async () => {
    const test = await startTestServer({});
    const answered: AnsweredRequest[] = [];
    test.liveness.on("answer", ({ payload }) => answered.push(payload));
    const client = await connect(test);
    try {
      const stream = await exec(client, "sleep 3");
      const replies: boolean[] = [];
      probe(client, stream, replies);
      await waitUntil(() => replies.length === 1, { timeout: 2000, what: "a reply while the command runs" });
      stream.end(); // the client's EOF: ssh2 marks the session as ending
      await sleep(100);
      probe(client, stream, replies);
      await waitUntil(() => replies.length === 2, { timeout: 2000, what: "a reply after EOF" });
      assert.deepEqual(replies, [true, true], "CHANNEL_FAILURE, as sshd answers requests it does not handle");
      assert.deepEqual(
        answered.map(({ type, state }) => [type, state]),
        [
          ["keepalive@openssh.com", "started"],
          ["keepalive@openssh.com", "ending"],
        ],
      );
      stream.close();
    } finally {
      client.end();
      await test.close();
    }
  });

  it("before the session starts, ssh2 answers and tsalive adds no second reply", async () => {
    const test = await startTestServer({});
    const answered: AnsweredRequest[] = [];
    test.liveness.on("answer", ({ payload }) => answered.push(payload));
    const client = await connect(test);
    try {
      const session = await new Promise<ClientChannel>((resolve, reject) => {
        // A session channel with no request yet: ssh2's client opens one for exec; open it by hand to stop there.
        const open = client as unknown as {
          _chanMgr: { add(cb: unknown): number };
          _protocol: { session(id: number, window: number, packet: number): void };
        };
        const id = open._chanMgr.add((error: Error | undefined, channel: ClientChannel) =>
          error ? reject(error) : resolve(channel),
        );
        open._protocol.session(id, 2 * 1024 * 1024, 32 * 1024);
      });
      const replies: boolean[] = [];
      probe(client, session, replies);
      probe(client, session, replies);
      await waitUntil(() => replies.length === 2, { timeout: 2000, what: "two replies" });
      await sleep(200);
      assert.deepEqual(replies, [true, true], "one reply per request, no more");
      assert.equal(answered.length, 0);
      session.close();
    } finally {
      client.end();
      await test.close();
    }
  });
});
