import assert from "node:assert/strict";
import { Socket } from "node:net";
import { describe, it } from "node:test";
import { fakeProtocol } from "./_fake_protocol.ts";
import { type ActivityState, markBytes, markPackets, markParsed, markWrites } from "./activity.ts";
import { bindState } from "./state.ts";
import { sendChannelKeepalive, sendGlobalKeepalive, sendIgnore } from "./writers.ts";

function recorder() {
  const marks: string[] = [];
  return {
    marks,
    monitor: {
      markInbound: (keepalive = false) => marks.push(keepalive ? "in:keepalive" : "in"),
      markOutbound: () => marks.push("out"),
    },
  };
}

describe("activity marking", () => {
  it("marks each packet, then calls ssh2's _onPacket; the undo restores it", () => {
    const protocol = fakeProtocol({});
    let ssh2 = 0;
    const original = (): void => {
      ssh2++;
    };
    protocol._onPacket = original;
    const { marks, monitor } = recorder();
    const undo = markPackets(protocol, { protocol, monitor, ssh2OnPacket: undefined, onPacket: undefined });
    const unbound = protocol._onPacket;
    unbound(); // code that wraps _onPacket after us may call ours unbound
    assert.deepEqual([marks, ssh2], [["in"], 1]);
    undo();
    assert.equal(protocol._onPacket, original);
  });

  it("counts bytes as liveness outside a key exchange and as activity inside one", () => {
    const protocol = fakeProtocol({});
    const socket = new Socket();
    const { marks, monitor } = recorder();
    bindState<ActivityState>(socket, { protocol, monitor });
    const undo = markBytes(socket);
    socket.emit("data", Buffer.from("x"));
    protocol.startKeyExchange();
    socket.emit("data", Buffer.from("x"));
    undo();
    socket.emit("data", Buffer.from("x"));
    assert.deepEqual(marks, ["in:keepalive", "in"]);
    socket.destroy();
  });

  it("marks the bytes ssh2 parses as markBytes marks them, then hands them on; the undo restores parse", () => {
    const protocol = fakeProtocol({});
    const chunks: number[] = [];
    const original = (chunk: Buffer): void => {
      chunks.push(chunk.length);
    };
    protocol.parse = original;
    const { marks, monitor } = recorder();
    bindState<ActivityState>(protocol, { protocol, monitor });
    const undo = markParsed(protocol);
    protocol.parse(Buffer.from("x"), 0, 1);
    protocol.startKeyExchange();
    protocol.parse(Buffer.from("xy"), 0, 2);
    undo();
    protocol.parse(Buffer.from("xyz"), 0, 3);
    assert.deepEqual(marks, ["in:keepalive", "in"]);
    assert.deepEqual(chunks, [1, 2, 3]);
    assert.equal(protocol.parse, original);
  });

  it("marks writes and restores the prototype's write", () => {
    const socket = new Socket();
    const { marks, monitor } = recorder();
    bindState<ActivityState>(socket, { protocol: undefined, monitor });
    const undo = markWrites(socket);
    assert.equal(Object.hasOwn(socket, "write"), true);
    socket.on("error", () => {});
    socket.write("x");
    undo();
    assert.deepEqual([marks, Object.hasOwn(socket, "write")], [["out"], false]);
    socket.destroy();
  });
});

describe("writers", () => {
  it("write IGNORE and keepalive requests, queued during a key exchange", () => {
    const protocol = fakeProtocol({});
    sendIgnore(protocol);
    protocol.startKeyExchange();
    sendGlobalKeepalive(protocol);
    sendChannelKeepalive(protocol, 7);
    assert.equal(protocol.sent.length, 1);
    protocol.endKeyExchange();
    const [ignore, global, channel] = protocol.sent.map((packet) => packet.toString("hex"));
    const name = Buffer.from("keepalive@openssh.com").toString("hex");
    assert.deepEqual([ignore, global, channel], ["0200000000", `5000000015${name}01`, `620000000700000015${name}01`]);
  });
});
