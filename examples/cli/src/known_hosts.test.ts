import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { findKnownHosts, hashHostName, hostFieldMatches, knownHostName } from "./known_hosts.ts";

describe("known_hosts", () => {
  it("names hosts as ssh does", () => {
    assert.equal(knownHostName("h", 22), "h");
    assert.equal(knownHostName("h", 2222), "[h]:2222");
  });
  it("matches patterns with negation, and hashed entries (ssh-keygen -H)", () => {
    assert.equal(hostFieldMatches("web,*.example.com", "a.example.com"), true);
    assert.equal(hostFieldMatches("*.example.com,!bad.example.com", "bad.example.com"), false);
    const salt = Buffer.alloc(20, 7);
    assert.equal(hostFieldMatches(hashHostName("[127.0.0.1]:2222", salt), "[127.0.0.1]:2222"), true);
    assert.equal(hostFieldMatches(hashHostName("[127.0.0.1]:2222", salt), "127.0.0.1"), false);
  });
  it("finds every line naming the host, with its marker, file and line", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsalive-kh-"));
    try {
      const file = join(dir, "known_hosts");
      writeFileSync(file, "# comment\nother ssh-ed25519 AAAA\n@revoked h ssh-ed25519 AAAB\nh,x ssh-rsa AAAC\n");
      const found = findKnownHosts([file, join(dir, "missing")], "h");
      assert.deepEqual(
        found.map((e) => [e.line, e.marker, e.type]),
        [
          [3, "revoked", "ssh-ed25519"],
          [4, undefined, "ssh-rsa"],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
