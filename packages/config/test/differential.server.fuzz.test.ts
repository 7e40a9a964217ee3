/**
 * Seeded random differential test for the server, against every release's sshd: configurations assembled from the
 * tokens that matter to sshd (Match criteria and lists, CIDR networks, global-only keywords inside Match, Include,
 * time values, the UnusedConnectionTimeout and ChannelTimeout forms, grammar, and the keywords and Match forms
 * 9.2 lacks) are resolved by the real `sshd -T` of 9.2, 10.0 and 10.6 and by resolveServerConfig for several
 * connections, which must agree exactly as in differential.server.test.ts: the same verdict and messages, and
 * sshd's whole output. Fixed seed, so a failure reproduces; set TSALIVE_FUZZ_RUNS and TSALIVE_FUZZ_SEED to
 * explore more. Integration test: needs /usr/sbin/sshd and the roots.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { compareWithSshd, haveGeneration, VERSIONS } from "./_sshd.ts";

const keywords = [
  "Match",
  "ClientAliveInterval",
  "ClientAliveCountMax",
  "UnusedConnectionTimeout",
  "ChannelTimeout",
  "LoginGraceTime",
  "TCPKeepAlive",
  "PasswordAuthentication",
  "PubkeyAuthentication",
  "Port",
  "Banner",
  "PermitOpen",
  "AuthorizedKeysFile",
  "Include",
  "KeepAlive",
  "Protocol",
  "WatchdogTimeout",
  "LogLevel",
  "PermitTunnel",
  "Bogus",
  "RefuseConnection",
  "PerSourcePenalties",
  "Subsystem",
  "Heartbeat",
];
const words = [
  ...["all", "All", "user", "User", "group", "host", "Host", "address", "Address", "localaddress", "localport"],
  ...["rdomain", "originalhost", "root", "!root", "ro?t", "r*", "alice,bob", "!alice,*", "daemon", "wheel"],
  ...["h", "H", "*.example.com", "10.0.0.0/8", "10.0.0.1/8", "!10.1.0.0/16", "10.*", "::1", "::/0", "2001:db8::/32"],
  ...["127.0.0.1", "0.0.0.0/0", "1.2.3.4/33", "22", "2222", "ssh", "nosuchsvc", "none", "NONE", "yes", "no"],
  ...["true", "0", "3", "15", "1h", "5x", "-1", "2147483648", "1m30s", "session:*=2m", "session=5", "=5"],
  ...["INFO", "verbose", "LOUD", "point-to-point", "Yes"],
  ...["direct-tcpip=1h", "127.0.0.1:1", "any", "/banner", "inc", "/dev/null", ".ssh/k", '"q v"', "#c", "="],
  ...["user=root", "invalid-user", "version", "OpenSSH_10*", "address=10.0.0.0/8", "authfail:10", "sftp"],
];
const keyword = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...keywords) },
  { weight: 1, arbitrary: fc.constantFrom(...keywords).map((k) => k.toUpperCase()) },
);
const line = fc
  .tuple(
    fc.constantFrom("", "  ", "\t"),
    keyword,
    fc.constantFrom(" ", "=", " = ", "\t", "=="),
    fc.array(fc.constantFrom(...words), { maxLength: 4 }),
    fc.constantFrom("", "", " # c", "\r"),
  )
  .map(([indent, keyword, separator, values, tail]) => `${indent}${keyword}${separator}${values.join(" ")}${tail}`);
const config = fc.array(line, { minLength: 1, maxLength: 8 }).map((lines) => `${lines.join("\n")}\n`);
const spec = fc.constantFrom(
  "user=root,host=h,addr=127.0.0.1",
  "user=alice,host=web.example.com,addr=10.1.2.3,laddr=10.0.0.1,lport=2222",
  "user=daemon,host=H,addr=::1,laddr=::1,lport=22,rdomain=r",
  "user=nobody,host=x,addr=2001:db8::7,lport=22",
);
const runs = Number(process.env.TSALIVE_FUZZ_RUNS ?? 200);
const seed = Number(process.env.TSALIVE_FUZZ_SEED ?? 20261123);

for (const version of VERSIONS) {
  const skip = haveGeneration(version.generation) ? false : `needs ${version.generation}'s sshd`;
  test(`random configurations: sshd ${version.openssh} -T and tsalive agree`, { skip }, () => {
    // Under /tmp: the roots see the host's /tmp at the same path.
    const root = mkdtempSync("/tmp/tsalive-sshd-fuzz-");
    try {
      assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]).status, 0);
      // A relative Include reads /etc/ssh/inc, which does not exist: an absolute one is given too.
      writeFileSync(join(root, "inc"), "ClientAliveCountMax 7\nMatch User alice\n  ClientAliveInterval 4\n");
      let run = 0;
      fc.assert(
        fc.property(config, spec, (text, connection) => {
          const file = text.replaceAll(" inc", ` ${join(root, "inc")}`);
          writeFileSync(join(root, "sshd_config"), file);
          try {
            compareWithSshd({
              label: `run ${run++} ${connection} ${JSON.stringify(text)}`,
              root,
              spec: connection,
              options: [],
              version,
              key: `random ${file}`,
            });
          } catch (error) {
            console.error(String(error));
            throw error;
          }
        }),
        { seed, numRuns: runs },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

const criterion = fc
  .tuple(
    fc.constantFrom("User", "Group", "Host", "Address", "LocalAddress", "LocalPort", "RDomain", "Version"),
    fc.constantFrom(
      ...["root", "alice", "!alice,*", "r*,!root", "daemon,wheel", "*", "h,web.*", "*.example.com", "10.0.0.0/8"],
      ...["!10.1.0.0/16,10.*", "::1", "2001:db8::/32,!2001:db8::7", "127.0.0.0/8", "22", "2222", "ssh", "r", "!r"],
    ),
  )
  .map(([name, value]) => `${name} ${value}`);
const block = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.array(criterion, { minLength: 1, maxLength: 2 }).map((c) => c.join(" ")) },
      { weight: 1, arbitrary: fc.constant("All") },
    ),
    fc.array(
      fc.constantFrom(
        ...["ClientAliveInterval 1", "ClientAliveInterval 2m", "ClientAliveCountMax 0", "Banner /b1", "Banner /b2"],
        ...["UnusedConnectionTimeout none", "UnusedConnectionTimeout 30", "ChannelTimeout session:*=1", "Include inc"],
        ...["PasswordAuthentication no", "PubkeyAuthentication no", "AuthorizedKeysFile /k1 /k2", "PermitOpen any"],
        "LoginGraceTime 5",
      ),
      { maxLength: 3 },
    ),
  )
  .map(([criteria, lines]) => [`Match ${criteria}`, ...lines.map((l) => `  ${l}`)].join("\n"));
const structured = fc
  .tuple(
    fc.array(fc.constantFrom("ClientAliveInterval 9", "UnusedConnectionTimeout 1h", "Banner /g", "Include inc"), {
      maxLength: 2,
    }),
    fc.array(block, { minLength: 1, maxLength: 4 }),
  )
  .map(([global, blocks]) => `${[...global, ...blocks].join("\n")}\n`);

for (const version of VERSIONS) {
  const skip = haveGeneration(version.generation) ? false : `needs ${version.generation}'s sshd`;
  test(`random Match structures: sshd ${version.openssh} -T and tsalive agree`, { skip }, () => {
    const root = mkdtempSync("/tmp/tsalive-sshd-fuzz-");
    try {
      assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]).status, 0);
      writeFileSync(
        join(root, "inc"),
        "ClientAliveCountMax 7\nMatch User alice\n  ClientAliveInterval 4\nMatch all\n  Banner /inc\n",
      );
      let run = 0;
      fc.assert(
        fc.property(structured, spec, (text, connection) => {
          const file = text.replaceAll(" inc", ` ${join(root, "inc")}`);
          writeFileSync(join(root, "sshd_config"), file);
          compareWithSshd({
            label: `run ${run++} ${connection} ${JSON.stringify(text)}`,
            root,
            spec: connection,
            options: [],
            version,
            key: `structured ${file}`,
          });
        }),
        { seed, numRuns: runs },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

/** Lines of the keywords whose printed form sshd normalises, some valid, some not, globally and in Match. */
const printedLine = fc.constantFrom(
  ...["LogLevel debug", "LogLevel VERBOSE", "LogLevel loud", "SyslogFacility local7", "IPQoS af21", "IPQoS cs0 le"],
  ...["IPQoS lowdelay", "IPQoS 16 8", "IPQoS bogus", "MaxStartups 10:30:60", "MaxStartups 3", "RekeyLimit 1G 1h"],
  ...["RekeyLimit 64K", "RekeyLimit default none", "PermitListen 2222", "PermitListen *:22 localhost:*"],
  ...["PermitOpen any", "PermitOpen none", "AllowUsers a b", "AllowUsers c", "DenyUsers root", "AcceptEnv LANG"],
  ...["AcceptEnv LC_*", "SetEnv A=1", "SetEnv B=2 C=3", "StreamLocalBindMask 022", "StreamLocalBindMask 0777"],
  ...["Ciphers +aes128-cbc", "Ciphers -aes*", "Ciphers ^aes256-ctr", "Ciphers aes*", "MACs -hmac-sha1*"],
  ...["HostKeyAlgorithms +ssh-rsa", "PubkeyAcceptedAlgorithms -ssh-rsa*", "KexAlgorithms +diffie-hellman-group14-sha1"],
  ...[
    "CASignatureAlgorithms ^rsa-sha2-512",
    "PermitRootLogin prohibit-password",
    "PermitRootLogin forced-commands-only",
  ],
  ...["Compression delayed", "Compression no", "MaxSessions 2", "X11DisplayOffset 11", "ForceCommand echo  hi"],
  ...["VersionAddendum  a b", "PerSourceNetBlockSize 24", "PerSourceNetBlockSize 24:56", "PerSourceMaxStartups 5"],
  ...["AuthenticationMethods publickey,password", "AuthenticationMethods any", "PermitTunnel ethernet", "Banner b"],
  ...["PermitUserEnvironment yes", "PermitUserEnvironment LANG", "PubkeyAuthOptions touch-required", "UsePAM yes"],
  ...["TCPKeepAlive no", "AllowTcpForwarding local", "GatewayPorts clientspecified", "IgnoreRhosts shosts-only"],
  ...["Subsystem sftp internal-sftp", "PerSourcePenalties authfail:3", "RefuseConnection yes", "LogVerbose x:*:1"],
  ...["ChannelTimeout session:*=1m", "ClientAliveInterval 2m", "DisableForwarding yes", "HostbasedAuthentication yes"],
);
// A Subsystem inside Match without a global one crashes 10.0's sshd -T (SIGSEGV, bz3906): Match blocks get none.
const printedMatchLine = printedLine.filter((l) => !l.startsWith("Subsystem"));
const printedConfig = fc
  .tuple(
    fc.array(printedLine, { minLength: 1, maxLength: 8 }),
    fc.array(printedMatchLine, { maxLength: 4 }),
    fc.constantFrom("User root", "User alice", "Address 10.0.0.0/8", "All"),
  )
  .map(([global, match, criteria]) =>
    [...global, ...(match.length > 0 ? [`Match ${criteria}`, ...match.map((l) => `  ${l}`)] : [])].join("\n"),
  )
  .map((text) => `${text}\n`);

for (const version of VERSIONS) {
  const skip = haveGeneration(version.generation) ? false : `needs ${version.generation}'s sshd`;
  test(`random printed keywords: sshd ${version.openssh} -T and tsalive agree`, { skip }, () => {
    const root = mkdtempSync("/tmp/tsalive-sshd-fuzz-");
    try {
      assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "hostkey")]).status, 0);
      let run = 0;
      fc.assert(
        fc.property(printedConfig, spec, (text, connection) => {
          writeFileSync(join(root, "sshd_config"), text);
          compareWithSshd({
            label: `run ${run++} ${connection} ${JSON.stringify(text)}`,
            root,
            spec: connection,
            options: [],
            version,
            key: `printed ${text}`,
          });
        }),
        { seed, numRuns: runs },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
