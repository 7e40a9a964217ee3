/**
 * Differential test against the real OpenSSH server of every release tsalive is exact to (9.2 on the host, 10.0
 * and 10.6 in their Debian roots): every fixture in test/fixtures/server is resolved by that release's
 * `sshd -T -f FILE -o HostKey=… -C SPEC` and by resolveServerConfig with `openssh` set to it, and both must agree
 * on whether the configuration is an error (and on its messages) and, when it is not, formatServerConfig must
 * print sshd's whole output, line for line. Integration test: needs /usr/sbin/sshd (scripts/ensure-peers.sh) and
 * the roots (scripts/ensure-roots.sh, built on first use).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { peerCommand } from "@tsalive/test-support";
import { formatServerConfig, resolveServerConfig } from "../src/index.ts";
import { opensshAtLeast } from "../src/openssh_version.ts";
import { ROOT_TOKEN } from "./_fixture.ts";
import { compareWithSshd, haveGeneration, readServerFixture, VERSIONS } from "./_sshd.ts";

const fixtures = join(import.meta.dirname, "fixtures", "server");
const names = existsSync(fixtures)
  ? readdirSync(fixtures)
      .filter((n) => n.endsWith(".case"))
      .sort()
  : [];

test("there are at least 25 server fixtures", () => {
  assert.ok(names.length >= 25, `only ${names.length} fixtures`);
});

for (const version of VERSIONS) {
  const skip = haveGeneration(version.generation) ? false : `needs ${version.generation}'s sshd`;
  test(`sshd ${version.openssh} -T agrees on every fixture`, { skip }, async (t) => {
    // Under /tmp: the roots see the host's /tmp at the same path.
    const base = mkdtempSync("/tmp/tsalive-sshd-");
    try {
      for (const name of names) {
        await t.test(name, () => {
          const fixture = readServerFixture(join(fixtures, name), name);
          if (fixture.since !== undefined && !opensshAtLeast(version.openssh, fixture.since)) return;
          const root = join(base, name);
          mkdirSync(root);
          const keygen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]);
          assert.equal(keygen.status, 0, "ssh-keygen");
          for (const [path, text] of fixture.files) {
            const full = join(root, path);
            mkdirSync(dirname(full), { recursive: true });
            writeFileSync(full, text.replaceAll(ROOT_TOKEN, root), { mode: 0o600 });
          }
          const options = fixture.options.map((o) => o.replaceAll(ROOT_TOKEN, root));
          const expect = fixture.expectFor.get(version.openssh) ?? fixture.expect;
          for (const spec of fixture.connections) {
            compareWithSshd({ label: `${name} ${spec}`, root, spec, options, expect, version });
          }
        });
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
}

for (const version of VERSIONS) {
  const skip = haveGeneration(version.generation) ? false : `needs ${version.generation}'s sshd`;
  test(`sshd ${version.openssh} -T of an empty file, with sshd's own default host keys, line for line`, {
    skip,
  }, () => {
    const base = mkdtempSync("/tmp/tsalive-sshd-empty-");
    try {
      writeFileSync(join(base, "sshd_config"), "");
      const [command, ...args] = peerCommand(version.generation, [
        "/usr/sbin/sshd",
        "-T",
        "-f",
        join(base, "sshd_config"),
        "-C",
        "user=root,host=h,addr=1.2.3.4",
      ]);
      const real = spawnSync(command, args, { encoding: "utf8" });
      assert.equal(real.status, 0, real.stderr);
      const ours = resolveServerConfig({
        config: { text: "" },
        openssh: version.openssh,
        extensions: null,
        connection: { user: "root", host: "h", address: "1.2.3.4" },
      });
      assert.equal(formatServerConfig(ours), real.stdout);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
}
