/**
 * Want-reply channel requests from real clients get their replies (integration, real time over loopback): `dbclient
 * -K 1` probes its session channel with `keepalive@openssh.com` while a command runs, the state in which ssh2's
 * server stays silent; tsalive answers each, and the client, which gives up after three unanswered seconds, stays
 * connected; plain ssh2 leaves them unanswered and the client gives up ("Keepalive timeout"). Against the dbclient of every peer generation, side by side (the test mostly waits). Its stdin stays
 * open: Dropbear probes on a channel only while it has sent no EOF on it.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { GENERATIONS, generateKey, makeTempDir, startDbclient, stopAll, toDropbearKey } from "@tsalive/test-support";
import ssh2 from "ssh2";
import type { AnsweredRequest } from "../src/index.ts";
import { clientsOf } from "./_clients.ts";
import { startTestServer } from "./_server.ts";

after(stopAll);

/** A plain ssh2 server, nothing of tsalive: any login, each exec prints `ready`, then `done` after `ms`. */
async function startPlainServer(ms: number): Promise<{ port: number; key: string; close(): void }> {
  const dir = makeTempDir("tsalive-plain-");
  const hostKey = generateKey(dir.join("host_key"));
  const clientKey = generateKey(dir.join("client_key"));
  // ssh2's own keepalive off, as tsalive advises: only the client's requests are traffic.
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey], keepaliveInterval: 2 ** 31 - 1 }, (connection) => {
    connection.on("error", () => {});
    connection.on("authentication", (ctx) => ctx.accept());
    connection.on("session", (accept) => {
      accept().on("exec", (acceptExec) => {
        const channel = acceptExec();
        channel.write("ready\n");
        const timer = setTimeout(() => {
          channel.write("done\n");
          channel.exit(0);
          channel.end();
        }, ms);
        // The client may give up first: nothing may be written after the connection closed.
        connection.on("close", () => clearTimeout(timer));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    key: toDropbearKey(clientKey),
    close() {
      server.close();
      dir.remove();
    },
  };
}

describe("want-reply channel requests from real clients", { concurrency: GENERATIONS.length }, () => {
  for (const generation of GENERATIONS) {
    const [, dbclient] = clientsOf(generation);
    describe(generation, () => {
      it(`${dbclient.name} -K 1: each keepalive on the running session gets its reply, the client stays`, {
        skip: dbclient.skip,
      }, async (t) => {
        // No probe and no heartbeat: the client's keepalives and their replies are the only traffic.
        const test = await startTestServer({});
        const answered: AnsweredRequest[] = [];
        test.liveness.on("answer", ({ payload }) => answered.push(payload));
        // Stdin open: a client at EOF has no channel Dropbear calls ready, and sends global keepalives instead.
        const db = dbclient.start(test, "echo ready; sleep 5; echo done", { args: ["-K", "1"], openStdin: true });
        try {
          const exit = await db.exited;
          const keepalives = answered.filter(
            (request) => request.type === "keepalive@openssh.com" && request.state === "started",
          );
          t.diagnostic(`tsalive answered ${keepalives.length} keepalive@openssh.com requests on the running session`);
          assert.equal(exit.code, 0, db.output);
          assert.match(db.output, /^done$/m);
          assert.doesNotMatch(db.output, /Keepalive timeout/);
          assert.ok(keepalives.length >= 3, `${keepalives.length} keepalives answered in 5 s at -K 1`);
        } finally {
          await db.stop(500);
          await test.close();
        }
      });

      it(`${dbclient.name} -K 1 against plain ssh2: no reply on the running session, the client gives up`, {
        skip: dbclient.skip,
      }, async () => {
        const plain = await startPlainServer(5000);
        const db = startDbclient({
          generation,
          port: plain.port,
          user: "tester",
          identity: plain.key,
          command: "anything",
          args: ["-K", "1"],
          openStdin: true,
        });
        try {
          const exit = await db.exited;
          assert.notEqual(exit.code, 0, db.output);
          assert.match(db.output, /Keepalive timeout/);
          assert.doesNotMatch(db.output, /^done$/m);
        } finally {
          await db.stop(500);
          plain.close();
        }
      });
    });
  }
});
