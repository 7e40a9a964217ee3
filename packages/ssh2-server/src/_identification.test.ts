import assert from "node:assert/strict";
import { Socket } from "node:net";
import { describe, it } from "node:test";
import { bindState, hook, previous } from "@tsalive/ssh2-layer";
import {
  holdIdentification,
  type IdentificationState,
  passIdentification,
  releaseIdentification,
} from "./_identification.ts";

/** A socket nobody connected, with a state whose monitor counts marks, its 'data' chunks recorded as strings. */
function reading(): { socket: Socket; read: string[]; marks: boolean[] } {
  const socket = new Socket();
  const read: string[] = [];
  const marks: boolean[] = [];
  bindState<IdentificationState>(socket, {
    identified: false,
    monitor: { markInbound: (keepalive = false) => marks.push(keepalive), markOutbound: () => {} },
  });
  socket.on("data", (chunk: Buffer) => read.push(chunk.toString("latin1")));
  return { socket, read, marks };
}

const drained = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("the identification hold", () => {
  it("hands a line that came in three reads over as one chunk, then passes every chunk as it comes", async () => {
    const { socket, read, marks } = reading();
    holdIdentification(socket);
    socket.push(Buffer.from("SSH-2.0-Op"));
    socket.push(Buffer.from("enSSH_9"));
    await drained();
    assert.deepEqual(read, [], "nothing before the line feed");
    assert.deepEqual(marks, [false, false], "each chunk held back is activity");
    socket.push(Buffer.from(".2p1\r\n\x00\x00"));
    socket.push(Buffer.from("\x05\x14"));
    await drained();
    assert.deepEqual(read, ["SSH-2.0-OpenSSH_9.2p1\r\n\x00\x00", "\x05\x14"]);
    releaseIdentification(socket);
    assert.equal(Object.hasOwn(socket, "push"), false, "the prototype's push again");
    socket.destroy();
  });

  it("passes a first chunk that holds the whole line untouched, the same object", async () => {
    const { socket, marks } = reading();
    const seen: unknown[] = [];
    socket.on("data", (chunk: Buffer) => seen.push(chunk));
    holdIdentification(socket);
    const first = Buffer.from("SSH-2.0-x\r\n");
    socket.push(first);
    await drained();
    assert.equal(seen[0], first);
    assert.deepEqual(marks, [], "what passes is left to the 'data' listeners");
    socket.destroy();
  });

  it("hands over what it holds at the end of the stream, and when released before the line feed", async () => {
    const ended = reading();
    holdIdentification(ended.socket);
    ended.socket.push(Buffer.from("SSH-2.0"));
    ended.socket.push(null);
    await drained();
    assert.deepEqual(ended.read, ["SSH-2.0"]);

    const released = reading();
    holdIdentification(released.socket);
    released.socket.push(Buffer.from("SSH-2."));
    releaseIdentification(released.socket);
    released.socket.push(Buffer.from("0-x"));
    await drained();
    assert.deepEqual(released.read, ["SSH-2.", "0-x"]);
    released.socket.destroy();
  });

  it("once passed, as for a connection ssh2 already made, holds nothing: binary chunks go straight on", async () => {
    const { socket, read } = reading();
    holdIdentification(socket);
    passIdentification(socket);
    socket.push(Buffer.from([0, 0, 5, 0x14]));
    await drained();
    assert.deepEqual(read, ["\x00\x00\x05\x14"]);
    socket.destroy();
  });

  it("holds no more than ssh2's longest line, which ssh2 refuses anyway", async () => {
    const { socket, read } = reading();
    holdIdentification(socket);
    socket.push(Buffer.alloc(4096, 0x61));
    socket.push(Buffer.alloc(4096, 0x62));
    await drained();
    assert.deepEqual(
      read.map((chunk) => chunk.length),
      [8192],
    );
    socket.destroy();
  });

  it("under a hook put on top of it, keeps passing chunks once released", async () => {
    const { socket, read } = reading();
    holdIdentification(socket);
    const arrivals: number[] = [];
    function counting(this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (chunk instanceof Uint8Array) arrivals.push(chunk.length);
      return (previous(this, counting) as Socket["push"]).call(this, chunk, encoding);
    }
    hook(socket, "push", counting as Socket["push"]);
    socket.push(Buffer.from("SSH-"));
    releaseIdentification(socket);
    socket.push(Buffer.from("2.0-x\r\n"));
    socket.push(Buffer.from("ab"));
    await drained();
    assert.deepEqual(
      [arrivals, read],
      [
        [4, 7, 2],
        ["SSH-", "2.0-x\r\n", "ab"],
      ],
    );
    socket.destroy();
  });
});
