import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { readSocksRequest, replyForOpenFailure, SOCKS_REPLY, type SocksRequest } from "./socks.ts";

// Loopback sockets, no timers: each case writes a client's bytes and reads the server's answer.
const requests: (SocksRequest | Error)[] = [];
const server = createServer((socket) => {
  readSocksRequest(socket).then(
    (request) => requests.push(request),
    (error: Error) => requests.push(error),
  );
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
after(() => server.close());
const port = (server.address() as { port: number }).port;

/** Sends `bytes`, waits for `expect` bytes back (or the close), and returns them with the parsed request. */
async function exchange(
  bytes: Buffer,
  expect: number,
): Promise<{ reply: Buffer; request: SocksRequest | Error; socket: Socket }> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  const before = requests.length;
  socket.write(bytes);
  let reply = Buffer.alloc(0);
  while (reply.length < expect) {
    const [chunk] = (await Promise.race([once(socket, "data"), once(socket, "close").then(() => [undefined])])) as [
      Buffer | undefined,
    ];
    if (chunk === undefined) break;
    reply = Buffer.concat([reply, chunk]);
  }
  while (requests.length === before) await new Promise((resolve) => setImmediate(resolve));
  return { reply, request: requests[before] as SocksRequest | Error, socket };
}

describe("readSocksRequest", () => {
  it("SOCKS 5 CONNECT to a name (RFC 1928): method 0 chosen, the reply after the caller decides", async () => {
    const name = Buffer.from("example.org");
    const greeting = Buffer.from([0x05, 0x02, 0x02, 0x00]);
    const connectTo = Buffer.concat([Buffer.from([0x05, 0x01, 0x00, 0x03, name.length]), name, Buffer.from([0, 80])]);
    const { reply, request, socket } = await exchange(Buffer.concat([greeting, connectTo, Buffer.from("GET")]), 2);
    assert.deepEqual([...reply], [0x05, 0x00]);
    assert.ok(!(request instanceof Error));
    assert.equal(request.version, 5);
    assert.equal(request.host, "example.org");
    assert.equal(request.port, 80);
    assert.equal(request.rest.toString(), "GET");
    request.reply(SOCKS_REPLY.connectionRefused);
    const [answer] = (await once(socket, "data")) as [Buffer];
    assert.deepEqual([...answer], [0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
    socket.destroy();
  });
  it("SOCKS 5 IPv4 and IPv6 addresses", async () => {
    const v4 = await exchange(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90]), 2);
    assert.ok(!(v4.request instanceof Error));
    assert.equal(v4.request.host, "127.0.0.1");
    assert.equal(v4.request.port, 8080);
    v4.socket.destroy();
    const address = Buffer.alloc(16);
    address[15] = 1;
    const v6 = await exchange(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 4]), address, Buffer.from([0, 22])]), 2);
    assert.ok(!(v6.request instanceof Error));
    assert.equal(v6.request.host, "0:0:0:0:0:0:0:1");
    v6.socket.destroy();
  });
  it("SOCKS 5 without the no-auth method: X'FF' and the connection ends", async () => {
    const { reply, request } = await exchange(Buffer.from([5, 1, 2]), 2);
    assert.deepEqual([...reply], [0x05, 0xff]);
    assert.ok(request instanceof Error);
  });
  it("SOCKS 5 BIND: command not supported (X'07')", async () => {
    const { reply, request } = await exchange(Buffer.from([5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80]), 12);
    assert.deepEqual([...reply], [0x05, 0x00, 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
    assert.ok(request instanceof Error);
  });
  it("SOCKS 4 and 4a CONNECT: granted is 90, anything else 91", async () => {
    const four = await exchange(Buffer.from([4, 1, 0, 80, 10, 1, 2, 3, 0x75, 0]), 0);
    assert.ok(!(four.request instanceof Error));
    assert.equal(four.request.version, 4);
    assert.equal(four.request.host, "10.1.2.3");
    four.request.reply(SOCKS_REPLY.succeeded);
    const [granted] = (await once(four.socket, "data")) as [Buffer];
    assert.deepEqual([...granted], [0, 90, 0, 0, 0, 0, 0, 0]);
    four.socket.destroy();
    const fourA = await exchange(Buffer.from([4, 1, 0, 80, 0, 0, 0, 9, 0, ...Buffer.from("web.internal"), 0]), 0);
    assert.ok(!(fourA.request instanceof Error));
    assert.equal(fourA.request.host, "web.internal");
    fourA.request.reply(SOCKS_REPLY.generalFailure);
    const [rejected] = (await once(fourA.socket, "data")) as [Buffer];
    assert.deepEqual([...rejected], [0, 91, 0, 0, 0, 0, 0, 0]);
    fourA.socket.destroy();
  });
  it("not SOCKS at all: closed", async () => {
    const { reply, request } = await exchange(Buffer.from("GET / HTTP/1.1\r\n"), 1);
    assert.equal(reply.length, 0);
    assert.ok(request instanceof Error);
  });
});

describe("replyForOpenFailure", () => {
  it("maps the server's reason and description to RFC 1928's codes", () => {
    assert.equal(replyForOpenFailure(1, "open failed"), SOCKS_REPLY.notAllowedByRuleset);
    assert.equal(replyForOpenFailure(2, "Connection refused"), SOCKS_REPLY.connectionRefused);
    assert.equal(replyForOpenFailure(2, "No route to host"), SOCKS_REPLY.hostUnreachable);
    assert.equal(replyForOpenFailure(2, "Network is unreachable"), SOCKS_REPLY.networkUnreachable);
    assert.equal(replyForOpenFailure(4, "no more channels"), SOCKS_REPLY.generalFailure);
  });
});
