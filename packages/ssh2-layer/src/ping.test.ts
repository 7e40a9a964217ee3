import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listsPing } from "./ping.ts";

function extInfo(extensions: readonly [string, string][]): Buffer {
  const parts = [Buffer.from([7]), u32(extensions.length)];
  for (const [name, value] of extensions)
    parts.push(u32(name.length), Buffer.from(name), u32(value.length), Buffer.from(value));
  return Buffer.concat(parts);
}
function u32(n: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(n);
  return buffer;
}

describe("listsPing", () => {
  it("finds ping@openssh.com among OpenSSH 10's extensions", () => {
    const payload = extInfo([
      ["server-sig-algs", "ssh-ed25519,rsa-sha2-512"],
      ["publickey-hostbound@openssh.com", "0"],
      ["ping@openssh.com", "0"],
    ]);
    assert.equal(listsPing(payload), true);
  });
  it("is false without it, and for a truncated payload", () => {
    assert.equal(listsPing(extInfo([["server-sig-algs", "ssh-ed25519"]])), false);
    const payload = extInfo([["ping@openssh.com", "0"]]);
    assert.equal(listsPing(payload.subarray(0, payload.length - 3)), false);
    assert.equal(listsPing(Buffer.from([7])), false);
  });
});
