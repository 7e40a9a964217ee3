/**
 * The sshd_config keyword table against the real sshd: every keyword is known to sshd (never `Bad configuration
 * option`), is refused inside a Match block exactly when the table says it is global-only, and is logged as
 * deprecated or unsupported exactly when the table says so. Integration test: needs /usr/sbin/sshd.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SERVER_KEYWORDS } from "../src/index.ts";
import { haveSshd, sshdT } from "./_sshd.ts";

test("every keyword: known to sshd, allowed in Match as the table says", {
  skip: haveSshd ? false : "needs /usr/sbin/sshd",
}, () => {
  const root = mkdtempSync(join(tmpdir(), "tsalive-sshd-kw-"));
  try {
    assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]).status, 0);
    for (const [key, row] of SERVER_KEYWORDS) {
      if (key === "match" || key === "include") continue;
      // Inside a Match block that never applies, sshd checks "allowed in Match" before looking at the value.
      writeFileSync(join(root, "sshd_config"), `Match User nobody-tsalive\n  ${row.name} x\n`);
      const inMatch = sshdT(root, "user=root,host=h,addr=127.0.0.1", []);
      assert.ok(!inMatch.stderr.includes("Bad configuration option"), `${row.name}: ${inMatch.stderr}`);
      assert.equal(
        inMatch.stderr.includes(`Directive '${row.name}' is not allowed within a Match block`),
        !row.match,
        `${row.name}: table says match=${row.match}, sshd says: ${inMatch.stderr}`,
      );
      if (row.kind === "deprecated" || row.kind === "unsupported") {
        writeFileSync(join(root, "sshd_config"), `${row.name} x\n`);
        const global = sshdT(root, "user=root,host=h,addr=127.0.0.1", []);
        const word = row.kind === "deprecated" ? "Deprecated" : "Unsupported";
        assert.ok(global.stderr.includes(`line 1: ${word} option ${row.name}`), `${row.name}: ${global.stderr}`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
