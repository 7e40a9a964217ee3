/**
 * Differential test against the real OpenSSH server: every fixture in test/fixtures/server is resolved by
 * `sshd -T -f FILE -o HostKey=… -C SPEC` and by resolveServerConfig, and both must agree on whether the
 * configuration is an error (and on its messages) and, when it is not, on every value tsalive types.
 * Integration test: needs /usr/sbin/sshd (scripts/ensure-peers.sh installs openssh-server).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { ROOT_TOKEN } from "./_fixture.ts";
import { compareWithSshd, haveSshd, readServerFixture } from "./_sshd.ts";

const fixtures = join(import.meta.dirname, "fixtures", "server");
const names = existsSync(fixtures)
  ? readdirSync(fixtures)
      .filter((n) => n.endsWith(".case"))
      .sort()
  : [];

test("there are at least 25 server fixtures", () => {
  assert.ok(names.length >= 25, `only ${names.length} fixtures`);
});

for (const name of names) {
  test(`sshd -T agrees: ${name}`, { skip: haveSshd ? false : "needs /usr/sbin/sshd" }, () => {
    const fixture = readServerFixture(join(fixtures, name), name);
    const root = mkdtempSync(join(tmpdir(), "tsalive-sshd-"));
    try {
      const keygen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]);
      assert.equal(keygen.status, 0, "ssh-keygen");
      for (const [path, text] of fixture.files) {
        const full = join(root, path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text.replaceAll(ROOT_TOKEN, root), { mode: 0o600 });
      }
      const options = fixture.options.map((o) => o.replaceAll(ROOT_TOKEN, root));
      for (const spec of fixture.connections) {
        compareWithSshd({ label: `${name} ${spec}`, root, spec, options, expect: fixture.expect });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
