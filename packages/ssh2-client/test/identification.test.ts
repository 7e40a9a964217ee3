/**
 * The server's identification line over a link that splits it (integration, real time over loopback). ssh2 1.17
 * alone keeps only the first and last of three reads: the test that says tsalive's hold is still needed. With
 * tsalive attached, ssh2 records the whole line, and a client logs in to a real server through a proxy that passes
 * the server's line a few bytes at a time.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { startProxy, stopAll } from "@tsalive/test-support";
import { Client } from "ssh2";
import { attach } from "../src/index.ts";
import { connect, PEERS, sleep } from "./_peers.ts";

after(stopAll);

const PIECES = ["SSH-2.0-Op", "enSSH_9", ".2p1\r\n"];

/** The line ssh2 recorded as the server's (what its exchange hash covers). */
function identOf(client: Client): string | undefined {
  return (client as unknown as { _protocol?: { _remoteIdentRaw?: Buffer } })._protocol?._remoteIdentRaw?.toString();
}

/** Serves `PIECES` a read apart to `client`, and resolves with the line it recorded. */
async function receivePieces(client: Client): Promise<string | undefined> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    void (async () => {
      for (const piece of [...PIECES, ""]) {
        if (socket.destroyed) return;
        socket.write(piece);
        await sleep(50);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    client.on("error", () => {});
    const { port } = server.address() as { port: number };
    client.connect({ host: "127.0.0.1", port, username: "nobody", readyTimeout: 5000 });
    await sleep(PIECES.length * 50 + 100);
    return identOf(client);
  } finally {
    client.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("a server identification line that arrives in three reads", () => {
  it("ssh2 alone keeps only the first and the last: when this fails, ssh2 is fixed and the hold can go", async () => {
    assert.equal(await receivePieces(new Client()), "SSH-2.0-Op.2p1");
  });

  it("with tsalive attached, ssh2 records the whole line", async () => {
    const client = new Client();
    attach(client, { probe: { interval: 1000, countMax: 3 } });
    assert.equal(await receivePieces(client), "SSH-2.0-OpenSSH_9.2p1");
  });

  for (const peer of PEERS) {
    it(`logs in to ${peer.name} whose line crawls in at 400 bytes/s`, { skip: peer.skip }, async () => {
      const server = await peer.start();
      // 8 bytes every 20 ms: the server's line comes in several writes, each its own read.
      const proxy = await startProxy({
        target: { port: server.port },
        down: { mode: "throttle", bytesPerSecond: 400 },
      });
      const opened = setTimeout(() => proxy.set("down", { mode: "pass" }), 400);
      try {
        const attached = connect(server, { probe: { interval: 1000, countMax: 3 } }, { port: proxy.port });
        await attached.ready;
        assert.match(identOf(attached.client) ?? "", /^SSH-2\.0-(OpenSSH|dropbear)/);
        attached.client.end();
        await attached.closed;
      } finally {
        clearTimeout(opened);
        await proxy.close();
        await server.stop();
      }
    });
  }
});
