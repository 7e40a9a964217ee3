/**
 * The client's identification line over a link that splits it (integration, real time over loopback). ssh2 1.17
 * alone keeps only the first of three reads: the test that says tsalive's hold is still needed. With tsalive
 * attached, ssh2 records the whole line, and a real ssh logs in through a proxy that passes its line a few bytes at
 * a time.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, describe, it } from "node:test";
import { generateKey, makeTempDir, startProxy, stopAll } from "@tsalive/test-support";
import ssh2, { type Connection, type Server } from "ssh2";
import { CLIENTS, logIn, sleep } from "./_clients.ts";
import { startTestServer } from "./_server.ts";

after(stopAll);

const PIECES = ["SSH-2.0-Op", "enSSH_9", ".2p1\r\n"];

/** The line ssh2 recorded for a connection (what its exchange hash covers as the client's). */
function identOf(connection: Connection): string | undefined {
  return (connection as unknown as { _protocol: { _remoteIdentRaw?: Buffer } })._protocol._remoteIdentRaw?.toString();
}

/** Writes `PIECES` to the server a read apart, and resolves with the line its next connection recorded. */
async function sendPieces(server: Server, port: number): Promise<string | undefined> {
  const seen = new Promise<string | undefined>((resolve) => {
    server.once("connection", (connection) => {
      resolve(identOf(connection));
      connection.on("error", () => {});
      connection.end();
    });
  });
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once("connect", resolve));
  for (const piece of PIECES) {
    socket.write(piece);
    await sleep(50);
  }
  const line = await Promise.race([seen, sleep(5000).then(() => "no connection")]);
  socket.destroy();
  return line;
}

describe("an identification line that arrives in three reads", () => {
  it("ssh2 alone keeps only the first and the last: when this fails, ssh2 is fixed and the hold can go", async () => {
    const dir = makeTempDir("tsalive-ssh2-ident-");
    const server = new ssh2.Server({ hostKeys: [generateKey(dir.join("host_key"), "tsalive-test-host").privateKey] });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      assert.equal(await sendPieces(server, port), "SSH-2.0-Op.2p1");
    } finally {
      await new Promise((resolve) => server.close(resolve));
      dir.remove();
    }
  });

  it("with tsalive attached, ssh2 records the whole line", async () => {
    const test = await startTestServer({ probe: { interval: 1000, countMax: 3 } });
    try {
      assert.equal(await sendPieces(test.server, test.port), "SSH-2.0-OpenSSH_9.2p1");
    } finally {
      await test.close();
    }
  });

  it("a real ssh whose line crawls in at 400 bytes/s logs in, and ssh2 recorded the line it sent", {
    skip: CLIENTS[0].skip,
  }, async () => {
    const test = await startTestServer({ probe: { interval: 1000, countMax: 3 } });
    // 8 bytes every 20 ms: the line of about 40 bytes comes in five or six writes, each its own read.
    const proxy = await startProxy({ target: { port: test.port }, up: { mode: "throttle", bytesPerSecond: 400 } });
    const opened = setTimeout(() => proxy.set("up", { mode: "pass" }), 400);
    try {
      const { client, connection } = await logIn(test, () =>
        CLIENTS[0].start(test, "echo ready; sleep 0.5", { port: proxy.port }),
      );
      assert.match(identOf(connection) ?? "", /^SSH-2\.0-OpenSSH_9\.2p1 /);
      assert.equal((await client.exited).code, 0);
    } finally {
      clearTimeout(opened);
      await proxy.close();
      await test.close();
    }
  });
});
