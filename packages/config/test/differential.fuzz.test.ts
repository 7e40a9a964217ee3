/**
 * Seeded random differential test: configurations assembled from the tokens that matter to OpenSSH's grammar
 * (keywords, separators, quotes, comments, patterns, Match criteria, time values) are resolved by the real
 * `ssh -G` and by resolveClientConfig, which must agree exactly as in differential.test.ts. Fixed seed, so a
 * failure reproduces; set TSALIVE_FUZZ_RUNS and TSALIVE_FUZZ_SEED to explore more. Integration test: needs
 * /usr/bin/ssh.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { compareWithSsh, haveSsh } from "./_ssh.ts";

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
  "Bogus",
];
const words = [
  ...["web", "db", "*", "!web", "web?", "w*", "web,db", "!web,*", "HOST", "Web", "me", "a b", "x=y"],
  ...["all", "!all", "ALL", "host", "!host", "host=web", "final", "!final", "canonical", "user", "localuser"],
  ...["originalhost", "true", "false", "none", "yes", "no", "inet6", "any", "INFO", "^C", "10m"],
  ...["0", "1", "15", "1h", "5x", "-1", "+5", "007", "0x1", "2147483647", "2147483648", "2222", "65536", "ssh"],
  ...["a@b:22", "x,y", "~/.ssh/k", "inc", "%h", "%h.ex", "%%", "%z", "%", "Heartbeat", '"q v"', "'s'", "a\\ b"],
  ...['w"e"b', "#c", "#", "=", '"', "'"],
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

test("random configurations: ssh -G and tsalive agree", { skip: haveSsh ? false : "no /usr/bin/ssh" }, () => {
  const root = mkdtempSync(join(tmpdir(), "tsalive-fuzz-"));
  try {
    mkdirSync(join(root, "home", ".ssh"), { recursive: true, mode: 0o700 });
    writeFileSync(join(root, "home", ".ssh", "inc"), "Port 2345\nMatch host db\n  User incd\n");
    let run = 0;
    fc.assert(
      fc.property(config, host, (text, destination) => {
        writeFileSync(join(root, "config"), text);
        compareWithSsh({
          label: `run ${run++} ${JSON.stringify(text)}`,
          root,
          host: destination,
          options: [],
          exec: false,
        });
      }),
      {
        seed: Number(process.env.TSALIVE_FUZZ_SEED ?? 20261123),
        numRuns: Number(process.env.TSALIVE_FUZZ_RUNS ?? 150),
      },
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
