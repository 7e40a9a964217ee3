/**
 * Seeded random differential test: configurations assembled from the tokens that matter to OpenSSH's grammar
 * (keywords, separators, quotes, comments, patterns, Match criteria, time values, the keywords later releases
 * added) are resolved by the real `ssh -G` of every supported release and by readClientConfig +
 * formatClientConfig, which must agree exactly as in differential.versions.test.ts: the same verdict and messages,
 * the WHOLE output. Fixed seed, so a failure reproduces; set TSALIVE_FUZZ_RUNS and TSALIVE_FUZZ_SEED to explore
 * more. The oracle runs once per release for all configurations. Integration test: needs the Debian roots.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { OPENSSH_VERSIONS } from "../src/index.ts";
import { compareOutputs } from "./_compare.ts";
import { haveOracle, sshG } from "./_oracle.ts";

const keywords = [
  "Host",
  "Match",
  "HostName",
  "Port",
  "User",
  "ServerAliveInterval",
  "ServerAliveCountMax",
  "ConnectTimeout",
  "TCPKeepAlive",
  "KeepAlive",
  "IdentityFile",
  "ProxyJump",
  "ProxyCommand",
  "IgnoreUnknown",
  "Heartbeat",
  "Include",
  "LogLevel",
  "EscapeChar",
  "ControlPersist",
  "CanonicalizeHostname",
  "AddressFamily",
  "StrictHostKeyChecking",
  "Tag",
  "ObscureKeystrokeTiming",
  "ChannelTimeout",
  "RefuseConnection",
  "Bogus",
];
const words = [
  ...["web", "db", "*", "!web", "web?", "w*", "web,db", "!web,*", "HOST", "Web", "me", "a b", "x=y"],
  ...["all", "!all", "ALL", "host", "!host", "host=web", "final", "!final", "canonical", "user", "localuser"],
  ...["originalhost", "true", "false", "none", "yes", "no", "inet6", "any", "INFO", "^C", "10m"],
  ...["0", "1", "15", "1h", "5x", "-1", "+5", "007", "0x1", "2147483647", "2147483648", "2222", "65536", "ssh"],
  ...["a@b:22", "x,y", "~/.ssh/k", "inc", "%h", "%h.ex", "%%", "%z", "%", "Heartbeat", '"q v"', "'s'", "a\\ b"],
  ...['w"e"b', "#c", "#", "=", '"', "'"],
  ...["tagged", "tagged=t", "t", '""', "host=db", "user=me", "version", "OpenSSH_10*", "interval:40", "session=5m"],
];
const keyword = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...keywords) },
  { weight: 1, arbitrary: fc.constantFrom(...keywords).map((k) => `"${k}"`) },
  { weight: 1, arbitrary: fc.constantFrom(...keywords).map((k) => `=${k}`) },
  { weight: 1, arbitrary: fc.constantFrom(...keywords).map((k) => k.toUpperCase()) },
);
const line = fc
  .tuple(
    fc.constantFrom("", "  ", "\t"),
    keyword,
    fc.constantFrom(" ", "=", " = ", "\t", "==", "  "),
    fc.array(fc.constantFrom(...words), { maxLength: 3 }),
    fc.constantFrom("", " # c", "\r"),
  )
  .map(([indent, keyword, separator, values, tail]) => `${indent}${keyword}${separator}${values.join(" ")}${tail}`);
const config = fc.array(line, { minLength: 1, maxLength: 8 }).map((lines) => `${lines.join("\n")}\n`);
const host = fc.constantFrom("web", "db", "Web", "me@web", "10.0.0.1");

const runs = Number(process.env.TSALIVE_FUZZ_RUNS ?? 150);
const seed = Number(process.env.TSALIVE_FUZZ_SEED ?? 20261123);
const cases = fc.sample(fc.tuple(config, host), { numRuns: runs, seed });
const base = mkdtempSync("/tmp/tsalive-fuzz-");
after(() => rmSync(base, { recursive: true, force: true }));
const roots = cases.map(([text], i) => {
  const root = join(base, String(i));
  mkdirSync(join(root, "home", ".ssh"), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, "home", ".ssh", "inc"), "Port 2345\nMatch host db\n  User incd\n", { mode: 0o600 });
  writeFileSync(join(root, "config"), text, { mode: 0o600 });
  return root;
});
const passwd = userInfo();

for (const version of OPENSSH_VERSIONS) {
  test(`random configurations: ssh -G ${version} and tsalive agree`, {
    skip: haveOracle(version) ? false : "no oracle",
  }, () => {
    const results = sshG(
      version,
      cases.map(([, destination], i) => ({
        config: join(roots[i] as string, "config"),
        host: destination,
        options: [],
        home: join(roots[i] as string, "home"),
        cwd: roots[i] as string,
      })),
    );
    cases.forEach(([text, destination], i) => {
      compareOutputs({
        label: `${version} run ${i} ${JSON.stringify(text)} ${destination}`,
        version,
        real: results[i] as (typeof results)[number],
        host: destination,
        root: roots[i] as string,
        options: [],
        args: [],
        exec: false,
        home: passwd.homedir,
        localUser: passwd.username,
        localHostname: hostname(),
      });
    });
  });
}
