/**
 * Integration (the bin as users run it): a keyword that restricts access and is not enforced stops tsalive-sshd
 * at start, with a message naming it and where it is, wherever it is (global, any Match block, -o).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { generateKey, makeTempDir, stopAll } from "@tsalive/test-support";
import { RUN } from "./_server.ts";

after(stopAll);

describe("tsalive-sshd refuses to start rather than ignore an access rule", () => {
  const dir = makeTempDir("tsalive-sshd-refuse-");
  const host = generateKey(dir.join("host_key"));
  const run = (lines: string[], options: string[] = []) => {
    writeFileSync(
      dir.join("sshd_config"),
      [`HostKey ${host.privatePath}`, "ListenAddress 127.0.0.1", ...lines, ""].join("\n"),
    );
    return spawnSync(
      process.execPath,
      [...RUN, "-D", "-f", dir.join("sshd_config"), "-p", "0", ...options.flatMap((o) => ["-o", o])],
      { encoding: "utf8", timeout: 20_000 },
    );
  };
  const table: [string, string[], string[], RegExp][] = [
    ["UsePAM yes", ["UsePAM yes"], [], /sshd_config line 3: UsePAM is not enforced by tsalive-sshd \(PAM account/],
    [
      "ChrootDirectory in a Match block that matches nobody now",
      ["UsePAM no", "Match User nobody-here", "  ChrootDirectory /srv"],
      [],
      /sshd_config line 5: ChrootDirectory is not enforced by tsalive-sshd \(sessions are not chrooted\)/,
    ],
    [
      "AuthenticationMethods from -o",
      ["UsePAM no"],
      ["AuthenticationMethods=publickey,publickey"],
      /-o "AuthenticationMethods=publickey,publickey": AuthenticationMethods is not enforced/,
    ],
    ["RevokedKeys", ["UsePAM no", "RevokedKeys /etc/ssh/revoked"], [], /RevokedKeys is not enforced/],
    ["ForceCommand internal-sftp", ["UsePAM no", "ForceCommand internal-sftp"], [], /ForceCommand is not enforced/],
    ["Ciphers", ["UsePAM no", "Ciphers aes128-ctr"], [], /Ciphers is not enforced/],
    ["PerSourceMaxStartups", ["UsePAM no", "PerSourceMaxStartups 3"], [], /PerSourceMaxStartups is not enforced/],
    ["a bad MaxStartups", ["UsePAM no", "MaxStartups 10:30:5"], [], /sshd_config line 4: Invalid MaxStartups spec\./],
  ];
  for (const [name, lines, options, message] of table) {
    it(name, () => {
      const result = run(lines, options);
      assert.equal(result.status, 255, `${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /Server listening/);
    });
  }
});
