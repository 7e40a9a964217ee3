/**
 * Seeded random differential test: configurations assembled from the tokens that matter to OpenSSH's grammar
 * (keywords, separators, quotes, comments, patterns, Match criteria, time values, the keywords later releases
 * added) are resolved by the real `ssh -G` of every supported release and by readClientConfig +
 * formatClientConfig, which must agree exactly as in differential.versions.test.ts: the same verdict and messages,
 * the WHOLE output. Fixed seed, so a failure reproduces; set TSALIVE_FUZZ_RUNS and TSALIVE_FUZZ_SEED to explore
 * more. The oracle runs once per release for all configurations. Integration test: needs the Debian roots.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { OPENSSH_VERSIONS } from "../src/index.ts";
import { compareOutputs } from "./_compare.ts";
import { oracleSkip, sshG } from "./_oracle.ts";

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

// A second population for the printer: mostly valid values of the keywords whose -G lines need formatting.
const printed: Record<string, readonly string[]> = {
  IPQoS: ["af21 cs1", "cs1", "lowdelay", "32", "none", "ef le", "va", "0x20"],
  AddKeysToAgent: ["confirm 1m", "1h", "ask", "yes", "no", "confirm"],
  RekeyLimit: ["1G 1h", "default none", "512M", "100K 30m", "5x"],
  ControlPath: ["~/.ssh/cm-%r@%h:%p", "none", "/tmp/%C"],
  ControlMaster: ["auto", "autoask", "yes", "no"],
  ControlPersist: ["10m", "yes", "no", "0"],
  LocalForward: ["8080 localhost:80", "127.0.0.1:9000 db:5432"],
  RemoteForward: ["9000 localhost:22"],
  DynamicForward: ["1080", "127.0.0.1:1080"],
  SendEnv: ["LANG LC_*", "-LANG"],
  SetEnv: ["A=b C=d", "X=%h"],
  ForwardAgent: ["yes", "no", "~/agent.sock", "$SSH_AUTH_SOCK"],
  UserKnownHostsFile: ["~/.ssh/kh", "none", "/tmp/a /tmp/b"],
  GlobalKnownHostsFile: ["/etc/kh", "none"],
  Ciphers: [
    "aes128-ctr",
    "+aes128-cbc",
    "-chacha20*",
    "^aes256-ctr",
    "aes*",
    "AES128-CTR",
    "aes256-ctr,aes128-ctr",
    "+",
    "3des-cbc",
  ],
  KexAlgorithms: [
    "-curve25519-sha256",
    "^diffie-hellman-group14-sha256",
    "+diffie-hellman-group1-sha1",
    "bogus",
    "mlkem768x25519-sha256",
  ],
  MACs: ["hmac-sha1", "+hmac-md5", "bogus", "-*etm*", "^hmac-sha2-512"],
  HostKeyAlgorithms: [
    "+ssh-rsa",
    "ssh-ed25519*",
    "^rsa-sha2-512",
    "-*cert*",
    "ssh-dss",
    "ED25519",
    "+ssh-mldsa44-ed25519",
  ],
  PubkeyAcceptedAlgorithms: ["+ssh-rsa", "ssh-ed25519,rsa-sha2-256", "-ssh-rsa*"],
  CASignatureAlgorithms: ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "-rsa-sha2-256"],
  PubkeyAuthentication: ["unbound", "host-bound", "yes", "no"],
  RequestTTY: ["force", "auto", "yes", "no"],
  SessionType: ["none", "subsystem", "default"],
  VerifyHostKeyDNS: ["ask", "yes", "no"],
  UpdateHostKeys: ["ask", "yes", "no"],
  FingerprintHash: ["md5", "sha256", "sha1"],
  SyslogFacility: ["AUTH", "local7", "LOCAL0"],
  LogLevel: ["DEBUG", "debug3", "QUIET", "verbose"],
  StreamLocalBindMask: ["0022", "0", "777"],
  TunnelDevice: ["1:2", "any", "3", "any:4"],
  Tunnel: ["ethernet", "point-to-point", "yes"],
  CanonicalDomains: ["a.example b.example", "none"],
  // A real CNAME rule makes ssh -G resolve the host name (DNS): only "none" here.
  CanonicalizePermittedCNAMEs: ["none"],
  PermitRemoteOpen: ["any", "none", "localhost:80 db:5432"],
  RemoteCommand: ["uptime -p", "echo %h", "none"],
  LocalCommand: ["echo %n"],
  ConnectionAttempts: ["3", "0"],
  CertificateFile: ["~/.ssh/c1", "%d/c2"],
  BindAddress: ["127.0.0.1"],
  IdentityAgent: ["~/agent", "none", "SSH_AUTH_SOCK"],
  LogVerbose: ["kex.c:*", "none"],
  WarnWeakCrypto: ["no-pq-kex", "yes"],
  VersionAddendum: ["hello %h", "none"],
  Compression: ["yes", "no"],
  ForwardX11Timeout: ["1h", "0"],
  NumberOfPasswordPrompts: ["1"],
  HostKeyAlias: ["alias"],
  User: ["%u", "%h-x", "plain"],
};
const printedLine = fc
  .constantFrom(...Object.keys(printed))
  .chain((k) => fc.constantFrom(...(printed[k] ?? [])).map((v) => `${k} ${v}`));
const printedConfig = fc
  .tuple(fc.constantFrom("", "Host web\n", "Match host db\n"), fc.array(printedLine, { minLength: 1, maxLength: 6 }))
  .map(([head, lines]) => `${head}${lines.join("\n")}\n`);

const runs = Number(process.env.TSALIVE_FUZZ_RUNS ?? 150);
const seed = Number(process.env.TSALIVE_FUZZ_SEED ?? 20261123);
const cases = [
  ...fc.sample(fc.tuple(config, host), { numRuns: runs, seed }),
  ...fc.sample(fc.tuple(printedConfig, host), { numRuns: runs, seed: seed + 1 }),
];
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
    skip: oracleSkip(version),
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
    const failures: string[] = [];
    cases.forEach(([text, destination], i) => {
      try {
        compareOne(text, destination, i);
      } catch (error) {
        failures.push(error instanceof Error ? error.message.split("\n").slice(0, 8).join("\n") : String(error));
      }
    });
    // Every disagreement is reported (the first ten in full), not only the first.
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${cases.length} configurations disagree`);
    function compareOne(text: string, destination: string, i: number): void {
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
    }
  });
}
