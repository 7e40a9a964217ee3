/**
 * Each release's sshd_config keyword table against that release's real sshd (9.2 on the host, 10.0 and 10.6 in
 * their roots): every keyword is known to sshd (never `Bad configuration option`), is refused inside a Match block
 * exactly when the table says it is global-only, and is logged as deprecated or unsupported exactly when the table
 * says so. Integration test: needs /usr/sbin/sshd and the roots.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { serverKeywords } from "../src/index.ts";
import { haveGeneration, sshdT, VERSIONS } from "./_sshd.ts";

for (const { openssh, generation } of VERSIONS) {
  const skip = haveGeneration(generation) ? false : `needs ${generation}'s sshd`;
  test(`every keyword of ${openssh}: known to its sshd, allowed in Match as the table says`, { skip }, () => {
    const root = mkdtempSync("/tmp/tsalive-sshd-kw-");
    try {
      assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]).status, 0);
      for (const [key, row] of serverKeywords(openssh)) {
        if (key === "match" || key === "include") continue;
        // Inside a Match block that never applies, sshd checks "allowed in Match" before looking at the value.
        writeFileSync(join(root, "sshd_config"), `Match User nobody-tsalive\n  ${row.name} x\n`);
        const inMatch = sshdT(root, "user=root,host=h,addr=127.0.0.1", [], generation);
        assert.ok(!inMatch.stderr.includes("Bad configuration option"), `${row.name}: ${inMatch.stderr}`);
        assert.equal(
          inMatch.stderr.includes(`Directive '${row.name}' is not allowed within a Match block`),
          !row.match,
          `${row.name}: table says match=${row.match}, sshd says: ${inMatch.stderr}`,
        );
        if (row.kind === "deprecated" || row.kind === "unsupported") {
          writeFileSync(join(root, "sshd_config"), `${row.name} x\n`);
          const global = sshdT(root, "user=root,host=h,addr=127.0.0.1", [], generation);
          const word = row.kind === "deprecated" ? "Deprecated" : "Unsupported";
          assert.ok(global.stderr.includes(`line 1: ${word} option ${row.name}`), `${row.name}: ${global.stderr}`);
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
