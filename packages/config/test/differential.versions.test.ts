/**
 * Differential test of every fixture in test/fixtures/client against the real `ssh -G` of each supported release
 * (9.2 on the host, 10.0 and 10.6 in their Debian roots): both must agree on failing (with ssh's messages) and,
 * when ssh succeeds, formatClientConfig must print ssh's WHOLE output, line for line. The oracle runs once per
 * release for all fixtures (test/_oracle.ts). Integration test: needs the roots (scripts/ensure-roots.sh).
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { OPENSSH_VERSIONS } from "../src/index.ts";
import { compareOutputs } from "./_compare.ts";
import { ROOT_TOKEN, readFixture } from "./_fixture.ts";
import { type OracleJob, oracleSkip, sshG } from "./_oracle.ts";

const fixtures = join(import.meta.dirname, "fixtures", "client");
const names = existsSync(fixtures)
  ? readdirSync(fixtures)
      .filter((n) => n.endsWith(".case"))
      .sort()
  : [];

const base = mkdtempSync("/tmp/tsalive-cfgv-");
after(() => rmSync(base, { recursive: true, force: true }));

interface Prepared {
  readonly name: string;
  readonly root: string;
  readonly fixture: ReturnType<typeof readFixture>;
  readonly options: readonly string[];
  readonly args: readonly string[];
}

const prepared: Prepared[] = names.map((name) => {
  const fixture = readFixture(join(fixtures, name), name);
  const root = join(base, name.replace(/\.case$/, ""));
  mkdirSync(join(root, "home", ".ssh"), { recursive: true, mode: 0o700 });
  for (const [path, text] of fixture.files) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text.replaceAll(ROOT_TOKEN, root), { mode: 0o600 });
  }
  for (const [path, mode] of fixture.modes) chmodSync(join(root, path), mode);
  const options = fixture.options.map((o) => o.replaceAll(ROOT_TOKEN, root));
  const args = fixture.args.map((o) => o.replaceAll(ROOT_TOKEN, root));
  return { name, root, fixture, options, args };
});

const passwd = userInfo();

for (const version of OPENSSH_VERSIONS) {
  const skip = oracleSkip(version);
  const applies = prepared.filter((p) => p.fixture.versions.length === 0 || p.fixture.versions.includes(version));
  let results: Map<string, ReturnType<typeof sshG>[number]> | undefined;
  const oracle = () => {
    if (results) return results;
    const jobs: { key: string; job: OracleJob }[] = applies.flatMap((p) =>
      p.fixture.hosts.map((host) => ({
        key: `${p.name} ${host}`,
        job: {
          config: join(p.root, "config"),
          host,
          options: p.options,
          args: p.args,
          home: join(p.root, "home"),
          cwd: p.root,
        },
      })),
    );
    const out = sshG(
      version,
      jobs.map((j) => j.job),
    );
    results = new Map(jobs.map((j, i) => [j.key, out[i] as (typeof out)[number]]));
    return results;
  };
  for (const p of applies) {
    test(`ssh -G ${version} agrees: ${p.name}`, { skip }, () => {
      for (const host of p.fixture.hosts) {
        const real = oracle().get(`${p.name} ${host}`);
        assert.ok(real);
        compareOutputs({
          label: `${version} ${p.name} ${host}`,
          version,
          real,
          expect: p.fixture.expectFor.get(version) ?? p.fixture.expect,
          host,
          root: p.root,
          options: p.options,
          args: p.args,
          exec: p.fixture.exec,
          home: passwd.homedir,
          localUser: passwd.username,
          localHostname: hostname(),
        });
      }
    });
  }
}

// ssh's regress sshcfgparse "reparse minimal config", rewritten: ssh -G's own output, read back as a config file,
// must print the same again, by ssh and by tsalive. That reads every keyword ssh prints, with its default value.
for (const version of OPENSSH_VERSIONS) {
  test(`ssh -G ${version} output read back as a config`, { skip: oracleSkip(version) }, () => {
    const root = join(base, `reparse-${version}`);
    mkdirSync(join(root, "home", ".ssh"), { recursive: true, mode: 0o700 });
    const job = (config: string): OracleJob => ({
      config,
      host: "h",
      options: [],
      home: join(root, "home"),
      cwd: root,
    });
    writeFileSync(join(root, "empty"), "", { mode: 0o600 });
    writeFileSync(
      join(root, "rich"),
      "Host h\n  User u\n  Port 2222\n  ServerAliveInterval 15\n  IPQoS af21 cs1\n  RekeyLimit 1G 1h\n  LocalForward 8080 localhost:80\n  SendEnv LANG LC_*\n  SetEnv A=b\n  ControlPersist 10m\n  AddKeysToAgent confirm 30\n  ProxyJump u@j:23\n",
      { mode: 0o600 },
    );
    for (const name of ["empty", "rich"]) {
      const [first] = sshG(version, [job(join(root, name))]);
      assert.equal(first?.status, 0, first?.stderr);
      writeFileSync(join(root, "config"), first?.stdout ?? "", { mode: 0o600 });
      const [second] = sshG(version, [job(join(root, "config"))]);
      assert.ok(second);
      compareOutputs({
        label: `${version} reparse ${name}`,
        version,
        real: second,
        expect: "ok",
        host: "h",
        root,
        options: [],
        args: [],
        exec: false,
        home: passwd.homedir,
        localUser: passwd.username,
        localHostname: hostname(),
      });
    }
  });
}
