/**
 * Differential test against the real OpenSSH client: every fixture in test/fixtures/client is resolved by
 * `ssh -G -F FILE HOST` (HOME pointing at a temp dir, so no real ~/.ssh is read) and by resolveClientConfig,
 * and both must agree on whether the configuration is an error and, when it is not, on every value tsalive
 * types. Integration test: needs /usr/bin/ssh (scripts/ensure-peers.sh installs it).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { ConfigError, type ResolvedClientConfig, resolveClientConfig } from "../src/index.ts";
import { nodeExec, nodeFileSystem } from "../src/node.ts";
import { type ClientFixture, ROOT_TOKEN, readFixture } from "./_fixture.ts";

const SSH = "/usr/bin/ssh";
const fixtures = join(import.meta.dirname, "fixtures", "client");
const localUser = userInfo().username;

function sshG(root: string, host: string, options: readonly string[]) {
  const args = ["-G", "-F", join(root, "config"), ...options.flatMap((o) => ["-o", o]), host];
  const result = spawnSync(SSH, args, {
    env: { PATH: "/usr/bin:/bin", HOME: join(root, "home"), LC_ALL: "C" },
    cwd: root,
    encoding: "utf8",
    timeout: 10_000,
  });
  const values = new Map<string, string[]>();
  for (const line of result.stdout.split("\n")) {
    const space = line.indexOf(" ");
    if (space === -1) continue;
    const key = line.slice(0, space);
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1)]);
  }
  return { status: result.status, stderr: result.stderr, values };
}

const names = existsSync(fixtures)
  ? readdirSync(fixtures)
      .filter((n) => n.endsWith(".case"))
      .sort()
  : [];

test("there are at least 40 client fixtures", () => {
  assert.ok(names.length >= 40, `only ${names.length} fixtures`);
});

for (const name of names) {
  test(`ssh -G agrees: ${name}`, { skip: existsSync(SSH) ? false : "no /usr/bin/ssh" }, () => {
    const fixture = readFixture(join(fixtures, name), name);
    const root = mkdtempSync(join(tmpdir(), "tsalive-cfg-"));
    try {
      mkdirSync(join(root, "home", ".ssh"), { recursive: true, mode: 0o700 });
      for (const [path, text] of fixture.files) {
        const full = join(root, path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text.replaceAll(ROOT_TOKEN, root), { mode: 0o600 });
      }
      for (const host of fixture.hosts) compare(fixture, root, host);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

function compare(fixture: ClientFixture, root: string, host: string): void {
  const label = `${fixture.name} ${host}`;
  const options = fixture.options.map((o) => o.replaceAll(ROOT_TOKEN, root));
  const real = sshG(root, host, options);
  const sshFailed = real.status !== 0;
  assert.equal(
    sshFailed,
    fixture.expect === "error",
    `${label}: fixture says ${fixture.expect}, ssh says rc ${real.status}: ${real.stderr}`,
  );
  let ours: ResolvedClientConfig | undefined;
  let error: unknown;
  try {
    ours = resolveClientConfig({
      host,
      localUser,
      home: join(root, "home"),
      localHostname: hostname(),
      uid: process.getuid?.() ?? 0,
      cwd: root,
      configFile: join(root, "config"),
      options,
      fs: nodeFileSystem,
      ...(fixture.exec ? { exec: nodeExec } : {}),
    });
  } catch (caught) {
    error = caught;
  }
  if (sshFailed) {
    assert.ok(error instanceof ConfigError, `${label}: ssh failed (${real.stderr.trim()}) but we resolved`);
    // Each of our messages is one ssh printed (ssh escapes control characters, so compare printable ones).
    if (error.code !== "CONFIG_INCLUDE_LOOP") {
      for (const issue of error.errors) {
        for (const line of issue.message.split("\n")) {
          if (/^[\x20-\x7e]*$/.test(line)) {
            assert.ok(
              real.stderr.includes(line),
              `${label}: ssh did not print ${JSON.stringify(line)}:\n${real.stderr}`,
            );
          }
        }
      }
    }
    return;
  }
  if (error) throw new Error(`${label}: ssh resolved but we failed: ${String(error)}`, { cause: error });
  assert.ok(ours);
  const v = ours.values;
  const expected = (key: string) => real.values.get(key)?.[0];
  assert.equal(v.user, expected("user"), `${label}: user`);
  assert.equal(v.hostName, expected("hostname"), `${label}: hostname`);
  assert.equal(String(v.port), expected("port"), `${label}: port`);
  assert.equal(String(v.serverAliveInterval), expected("serveraliveinterval"), `${label}: serveraliveinterval`);
  assert.equal(String(v.serverAliveCountMax), expected("serveralivecountmax"), `${label}: serveralivecountmax`);
  const timeout = v.connectTimeout === undefined ? "none" : String(v.connectTimeout);
  assert.equal(timeout, expected("connecttimeout"), `${label}: connecttimeout`);
  assert.equal(v.tcpKeepAlive ? "yes" : "no", expected("tcpkeepalive"), `${label}: tcpkeepalive`);
  assert.deepEqual(v.identityFile, real.values.get("identityfile") ?? [], `${label}: identityfile`);
  assert.equal(v.proxyJump, expected("proxyjump"), `${label}: proxyjump`);
}
