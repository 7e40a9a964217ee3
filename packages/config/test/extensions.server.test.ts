/**
 * One server configuration for both OpenSSH's sshd and tsalive: sshd_config holds only what sshd knows, and
 * tsalive's extension keywords live in tsalive_config, which only tsalive reads; or, as the seed writes it, the
 * extension keywords sit in sshd_config itself, which tsalive reads and OpenSSH's sshd refuses. Integration test against the real
 * sshd: it accepts the main file and rejects the extension keywords wherever sshd would see them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, extensionNotice, resolveServerConfig, serverMonitorOptions } from "../src/index.ts";
import { nodeFileSystem } from "../src/node.ts";
import { haveGeneration, haveSshd, sshdT, VERSIONS } from "./_sshd.ts";

const SPEC = "user=root,host=laptop,addr=10.1.2.3";

test("sshd accepts sshd_config, rejects the extension keywords; tsalive reads both", {
  skip: haveSshd ? false : "needs /usr/sbin/sshd",
}, () => {
  const root = mkdtempSync(join(tmpdir(), "tsalive-ext-"));
  try {
    assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]).status, 0);
    const main = "ClientAliveInterval 15\nClientAliveCountMax 2\nMatch Address 10.0.0.0/8\n  ClientAliveInterval 5\n";
    const extensions = "Heartbeat 30\nWatchdogTimeout 2m\nMatch Address 10.0.0.0/8\n  WatchdogTimeout 20\n";
    writeFileSync(join(root, "sshd_config"), main);
    writeFileSync(join(root, "tsalive_config"), extensions);

    const accepted = sshdT(root, SPEC, []);
    assert.equal(accepted.status, 0, accepted.stderr);
    assert.deepEqual(accepted.values.get("clientaliveinterval"), ["5"]);

    // The same keywords given to sshd, as a file of their own or included from sshd_config, break sshd.
    writeFileSync(join(root, "sshd_config"), extensions);
    const rejected = sshdT(root, SPEC, []);
    assert.notEqual(rejected.status, 0);
    assert.match(rejected.stderr, /line 1: Bad configuration option: Heartbeat/);
    assert.match(rejected.stderr, /line 2: Bad configuration option: WatchdogTimeout/);
    writeFileSync(join(root, "sshd_config"), `${main}Include ${join(root, "tsalive_config")}\n`);
    assert.notEqual(sshdT(root, SPEC, []).status, 0);
    writeFileSync(join(root, "sshd_config"), main);

    const resolved = resolveServerConfig({
      config: join(root, "sshd_config"),
      extensions: join(root, "tsalive_config"),
      connection: { user: "root", host: "laptop", address: "10.1.2.3" },
      fs: nodeFileSystem,
    });
    assert.equal(resolved.values.clientAliveInterval, 5);
    assert.equal(resolved.values.heartbeat, 30);
    assert.equal(resolved.values.watchdogTimeout, 20);
    assert.deepEqual(resolved.sources.watchdogTimeout, { kind: "file", file: join(root, "tsalive_config"), line: 4 });
    assert.deepEqual(serverMonitorOptions(resolved.values), {
      probe: { interval: 5000, countMax: 2, zeroCountMax: "never" },
      heartbeat: { interval: 30_000 },
      watchdog: { timeout: 20_000 },
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const version of VERSIONS) {
  const skip = haveGeneration(version.generation) ? false : `needs ${version.generation}'s sshd`;
  test(`the seed's sshd_config (WatchdogTimeout 15 in place): sshd ${version.openssh} refuses it, tsalive reads it, strict refuses it in sshd's words`, {
    skip,
  }, () => {
    const root = mkdtempSync("/tmp/tsalive-ext-seed-");
    try {
      assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]).status, 0);
      writeFileSync(join(root, "sshd_config"), "ClientAliveInterval 15\nWatchdogTimeout 15\n");
      const real = sshdT(root, SPEC, [], version.generation);
      assert.equal(real.status, 255);
      const options = {
        config: join(root, "sshd_config"),
        options: [`HostKey=${join(root, "hostkey")}`],
        fs: nodeFileSystem,
        extensions: null,
        openssh: version.openssh,
      };
      const resolved = resolveServerConfig(options);
      assert.equal(resolved.values.watchdogTimeout, 15);
      assert.match(extensionNotice(resolved) ?? "", /line 2: WatchdogTimeout is a tsalive extension/);
      try {
        resolveServerConfig({ ...options, strict: true });
        assert.fail("strict resolved");
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        for (const line of error.message.split("\n")) assert.ok(real.stderr.includes(line), `${line}\n${real.stderr}`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
