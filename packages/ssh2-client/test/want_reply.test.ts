/**
 * Want-reply channel requests in the states the ssh2 client leaves silent (client.js:655-681), from a scripted
 * in-process ssh2 server over loopback: a request on a channel whose open the server has not confirmed yet, an
 * exit-status that wants a reply, a request after exit-status, and one for a channel that does not exist. Plain
 * ssh2 answers none of them; with tsalive attached each of the first three gets its reply, addressed to the
 * server's channel, and the last is counted (it has no channel to address).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "@tsalive/test-support";
import { Client } from "ssh2";
import { type AnsweredRequest, attach } from "../src/index.ts";
import { type ReceivedReply, type ScriptedServer, startScriptedServer } from "./_scripted_server.ts";

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

interface Outcome {
  readonly exitCode: unknown;
  readonly serverChannel: number;
  readonly replies: ReceivedReply[];
  readonly errors: Error[];
}

/** Connects `client`, runs the script, and returns once `settle` says the replies are in (bounded). */
async function runScript(client: Client, settle: (replies: ReceivedReply[]) => Promise<void>): Promise<Outcome> {
  const errors: Error[] = [];
  client.on("error", (error) => errors.push(error));
  const connected = server.nextConnection();
  client.connect({ host: "127.0.0.1", port: server.port, username: "tester", readyTimeout: 5000 });
  await new Promise<void>((resolve) => client.once("ready", () => resolve()));
  const scripted = await connected;
  let serverChannel = -1;
  const exitCode = await new Promise<unknown>((resolve, reject) => {
    scripted.connection.once("session", (accept) => {
      // The client's channel is still opening: the server has not confirmed it yet.
      scripted.request(scripted.opened.at(-1) as number, "keepalive@openssh.com", true);
      setTimeout(() => {
        accept().once("exec", (acceptExec) => {
          const stream = acceptExec() as unknown as { incoming: { id: number }; outgoing: { id: number } };
          serverChannel = stream.incoming.id;
          const clientChannel = stream.outgoing.id;
          scripted.request(clientChannel, "exit-status", true, uint32(3));
          scripted.request(clientChannel, "keepalive@openssh.com", true); // after exit-status, before close
          scripted.request(999, "keepalive@openssh.com", true); // no such channel
        });
      }, 100);
    });
    client.exec("anything", (error, channel) => {
      if (error) return reject(error);
      channel.on("exit", (code: unknown) => resolve(code));
    });
  });
  try {
    await settle(scripted.replies);
  } finally {
    client.destroy();
  }
  return { exitCode, serverChannel, replies: scripted.replies, errors };
}

describe("want-reply channel requests ssh2 leaves unanswered", () => {
  it("plain ssh2 answers none of them (the gap this package closes)", async () => {
    // Anything sent before 'exit' has had 300 ms of loopback to be answered.
    const outcome = await runScript(new Client(), () => new Promise((resolve) => setTimeout(resolve, 300)));
    assert.equal(outcome.exitCode, 3);
    assert.deepEqual(outcome.replies, []);
    assert.deepEqual(outcome.errors, []);
  });

  it("with tsalive attached each gets its reply, on the server's channel id", async () => {
    const client = new Client();
    const liveness = attach(client, {});
    const answered: AnsweredRequest[] = [];
    liveness.on("answer", (request) => answered.push(request));
    const outcome = await runScript(client, async (replies) => {
      await waitUntil(() => replies.length >= 3 && liveness.stats().unanswerableRequests >= 1, {
        timeout: 5000,
        what: "three replies and one unanswerable request",
      });
    });
    assert.equal(outcome.exitCode, 3);
    const channel = outcome.serverChannel;
    assert.deepEqual(outcome.replies, [
      { channel, reply: "failure" },
      { channel, reply: "success" },
      { channel, reply: "failure" },
    ]);
    assert.deepEqual(
      answered.map(({ state, reply, type }) => [state, reply, type]),
      [
        ["opening", "failure", "keepalive@openssh.com"],
        ["exit-request", "success", "exit-status"],
        ["exited", "failure", "keepalive@openssh.com"],
      ],
    );
    assert.equal(liveness.stats().answeredRequests, 3);
    assert.equal(liveness.stats().unanswerableRequests, 1);
    assert.deepEqual(outcome.errors, []);
    liveness.detach();
  });
});
