import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bindState } from "@tsalive/ssh2-layer";
import { holdIdentification, type IdentificationState } from "./_identification.ts";
import type { Ssh2Protocol } from "./_ssh2_internals.ts";

/** A protocol whose parse records what it was given, as strings, with a state bound on it. */
function parsing(): { protocol: Ssh2Protocol; parsed: string[]; state: IdentificationState } {
  const parsed: string[] = [];
  const protocol = {
    parse(chunk: Buffer, i: number, len: number) {
      parsed.push(chunk.subarray(i, len).toString("latin1"));
    },
  } as unknown as Ssh2Protocol;
  const state = { identified: false };
  bindState<IdentificationState>(protocol, state);
  return { protocol, parsed, state };
}

describe("the server identification hold", () => {
  it("hands a line that came in three reads over as one chunk, then passes every chunk as it comes", () => {
    const { protocol, parsed, state } = parsing();
    holdIdentification(protocol);
    protocol.parse(Buffer.from("SSH-2.0-Op"), 0, 10);
    protocol.parse(Buffer.from("xxenSSH_9"), 2, 9);
    assert.deepEqual(parsed, [], "nothing before the line feed");
    protocol.parse(Buffer.from(".2p1\r\n\x00\x00"), 0, 8);
    protocol.parse(Buffer.from("\x05\x14"), 0, 2);
    assert.deepEqual(parsed, ["SSH-2.0-OpenSSH_9.2p1\r\n\x00\x00", "\x05\x14"]);
    assert.equal(state.identified, true);
  });

  it("waits past the lines a server may send first, for the one that starts with SSH-", () => {
    const { protocol, parsed } = parsing();
    holdIdentification(protocol);
    protocol.parse(Buffer.from("welcome\r\n"), 0, 9);
    protocol.parse(Buffer.from("SSH-2.0"), 0, 7);
    assert.deepEqual(parsed, []);
    protocol.parse(Buffer.from("-x\r\n"), 0, 4);
    assert.deepEqual(parsed, ["welcome\r\nSSH-2.0-x\r\n"]);
  });

  it("hands over lines that reach ssh2's longest line without an identification, and holds nothing after", () => {
    const { protocol, parsed, state } = parsing();
    holdIdentification(protocol);
    const line = Buffer.from(`${"w".repeat(1022)}\r\n`);
    for (let n = 0; n < 7; n++) protocol.parse(line, 0, line.length);
    assert.equal(parsed.length, 0, "seven lines, held");
    protocol.parse(line, 0, line.length);
    protocol.parse(Buffer.from("SSH-2"), 0, 5);
    assert.deepEqual(
      parsed.map((chunk) => chunk.length),
      [8192, 5],
    );
    assert.equal(state.identified, true);
  });

  it("passes a first chunk that holds the whole line untouched, the same object", () => {
    const seen: Buffer[] = [];
    const protocol = { parse: (chunk: Buffer) => void seen.push(chunk) } as unknown as Ssh2Protocol;
    bindState<IdentificationState>(protocol, { identified: false });
    holdIdentification(protocol);
    const first = Buffer.from("SSH-2.0-x\r\n");
    protocol.parse(first, 0, first.length);
    assert.equal(seen[0], first);
  });

  it("the undo hands over what it holds and restores parse", () => {
    const { protocol, parsed } = parsing();
    const own = protocol.parse;
    const undo = holdIdentification(protocol);
    protocol.parse(Buffer.from("SSH-2."), 0, 6);
    undo();
    assert.equal(protocol.parse, own);
    protocol.parse(Buffer.from("0-x"), 0, 3);
    assert.deepEqual(parsed, ["SSH-2.", "0-x"]);
  });
});
