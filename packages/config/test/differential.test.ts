/**
 * Differential test against the real OpenSSH client: every fixture in test/fixtures/client is resolved by
 * `ssh -G -F FILE HOST` (HOME pointing at a temp dir, so no real ~/.ssh is read) and by resolveClientConfig,
 * and both must agree on whether the configuration is an error (and on its messages) and, when it is not, on every
 * value tsalive types. Integration test: needs /usr/bin/ssh (scripts/ensure-peers.sh installs it).
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { ROOT_TOKEN, readFixture } from "./_fixture.ts";
import { compareWithSsh, haveSsh } from "./_ssh.ts";

const fixtures = join(import.meta.dirname, "fixtures", "client");
const names = existsSync(fixtures)
  ? readdirSync(fixtures)
      .filter((n) => n.endsWith(".case"))
      .sort()
  : [];

test("there are at least 40 client fixtures", () => {
  assert.ok(names.length >= 40, `only ${names.length} fixtures`);
});

for (const name of names) {
  test(`ssh -G agrees: ${name}`, { skip: haveSsh ? false : "no /usr/bin/ssh" }, () => {
    const fixture = readFixture(join(fixtures, name), name);
    const root = mkdtempSync(join(tmpdir(), "tsalive-cfg-"));
    try {
      mkdirSync(join(root, "home", ".ssh"), { recursive: true, mode: 0o700 });
      for (const [path, text] of fixture.files) {
        const full = join(root, path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text.replaceAll(ROOT_TOKEN, root), { mode: 0o600 });
      }
      for (const [path, mode] of fixture.modes) chmodSync(join(root, path), mode);
      const options = fixture.options.map((o) => o.replaceAll(ROOT_TOKEN, root));
      for (const host of fixture.hosts) {
        compareWithSsh({ label: `${name} ${host}`, root, host, options, exec: fixture.exec, expect: fixture.expect });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
