import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveServerConfig } from "@tsalive/config";
import { matchHostAndIp, matchUser } from "./patterns.ts";
import { accessPolicy, maxStartups, refusedKeywords } from "./policy.ts";
import { formatTimeframe, StartupsThrottle, shouldDrop } from "./startups.ts";

const resolve = (text: string, user?: string) =>
  resolveServerConfig({
    config: { file: "sshd_config", text },
    extensions: null,
    ...(user !== undefined && { connection: { user, host: "127.0.0.1", address: "127.0.0.1" } }),
    groups: () => [],
  });

describe("the access policy read from sshd_config", () => {
  it("defaults as sshd's", () => {
    const p = accessPolicy(resolve(""));
    assert.deepEqual(
      [p.permitRootLogin, p.maxAuthTries, p.maxSessions, p.permitTTY, p.allowLocalForwarding, p.strictModes],
      ["prohibit-password", 6, 10, true, true, true],
    );
    assert.deepEqual([p.permitOpen, p.acceptEnv, p.setEnv, p.permitUserEnvironment], [["any"], [], [], false]);
  });
  it("lists accumulate over lines; a matching Match block replaces them; SetEnv's first line wins", () => {
    const text = "AllowUsers a b\nAllowUsers c\nSetEnv A=1 A=2\nSetEnv B=3\nMatch User z\n  AllowUsers z\n";
    assert.deepEqual(accessPolicy(resolve(text)).allowUsers, ["a", "b", "c"]);
    assert.deepEqual(accessPolicy(resolve(text, "z")).allowUsers, ["z"]);
    assert.deepEqual(accessPolicy(resolve(text)).setEnv, ["A=1"]);
  });
  it("ForceCommand keeps the rest of the line; without-password is prohibit-password", () => {
    const p = accessPolicy(resolve("ForceCommand  echo  a b\nPermitRootLogin without-password\n"));
    assert.equal(p.forceCommand, "echo  a b");
    assert.equal(p.permitRootLogin, "prohibit-password");
  });
  it("MaxStartups: start:rate:full, a single number, the last line wins, sshd's error", () => {
    assert.deepEqual(maxStartups(resolve("")), { begin: 10, rate: 30, full: 100 });
    assert.deepEqual(maxStartups(resolve("MaxStartups 3\n")), { begin: 3, rate: 30, full: 3 });
    // The last line wins before 10.1 (a single number keeps an earlier line's rate), the first from 10.1.
    const v92 = (text: string) =>
      resolveServerConfig({
        config: { file: "sshd_config", text },
        extensions: null,
        groups: () => [],
        openssh: "9.2",
      });
    assert.deepEqual(maxStartups(v92("MaxStartups 3\nMaxStartups 2:50:8\n")), { begin: 2, rate: 50, full: 8 });
    assert.deepEqual(maxStartups(v92("MaxStartups 5:50:20\nMaxStartups 7\n")), { begin: 7, rate: 50, full: 7 });
    assert.deepEqual(maxStartups(resolve("MaxStartups 3\nMaxStartups 2:50:8\n")), { begin: 3, rate: 30, full: 3 });
    assert.throws(() => maxStartups(resolve("MaxStartups 9:30:5\n")), /sshd_config line 1: Invalid MaxStartups spec\./);
    assert.throws(() => maxStartups(resolve("MaxStartups 1:2\n")), /Invalid MaxStartups spec/);
  });
  it("names every keyword it refuses, with where it is", () => {
    const refused = refusedKeywords(resolve("UsePAM yes\nChrootDirectory none\nForceCommand internal-sftp\n"), []);
    assert.deepEqual(
      refused.map((r) => [r.keyword, r.where]),
      [
        ["UsePAM", "sshd_config line 1"],
        ["ForceCommand", "sshd_config line 3"],
      ],
    );
  });
});

describe("match.c helpers", () => {
  it("match_host_and_ip and match_user", () => {
    assert.equal(matchHostAndIp("127.0.0.1", "127.0.0.1", "127.0.0.0/8"), "match");
    assert.equal(matchHostAndIp("127.0.0.1", "127.0.0.1", "127.*,!127.0.0.1"), "no-match");
    assert.equal(matchHostAndIp("127.0.0.1", "127.0.0.1", "10.0.0.1/8"), "invalid");
    assert.equal(matchUser("ann", "127.0.0.1", "127.0.0.1", "a*"), "match");
    assert.equal(matchUser("ann", "127.0.0.1", "127.0.0.1", "ann@10.0.0.0/8"), "no-match");
    assert.equal(matchUser("ann", "127.0.0.1", "127.0.0.1", "ann@127.0.0.1"), "match");
  });
});

describe("MaxStartups random early drop", () => {
  it("never below begin, always from full, linear in between", () => {
    const spec = { begin: 10, rate: 30, full: 100 };
    assert.equal(
      shouldDrop(9, spec, () => 0),
      false,
    );
    assert.equal(
      shouldDrop(100, spec, () => 99),
      true,
    );
    assert.equal(
      shouldDrop(10, spec, () => 29),
      true,
    );
    assert.equal(
      shouldDrop(10, spec, () => 30),
      false,
    );
    // p = 30 + 70 * 45 / 90 = 65
    assert.equal(
      shouldDrop(55, spec, () => 64),
      true,
    );
    assert.equal(
      shouldDrop(55, spec, () => 65),
      false,
    );
  });
  it("counts until release, and logs as sshd's drop_connection", () => {
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    let now = 100;
    const throttle = new StartupsThrottle(
      { begin: 1, rate: 100, full: 1 },
      log,
      () => 0,
      () => now,
    );
    const release = throttle.admit({ addr: "1.2.3.4", port: 5 }, { addr: "127.0.0.1", port: 22 });
    assert.ok(release);
    assert.equal(throttle.admit({ addr: "1.2.3.4", port: 6 }, { addr: "127.0.0.1", port: 22 }), undefined);
    assert.deepEqual(lines, [
      "beginning MaxStartups throttling",
      "drop connection #1 from [1.2.3.4]:6 on [127.0.0.1]:22 past MaxStartups",
    ]);
    release();
    now = 165;
    throttle.spec = { begin: 3, rate: 100, full: 3 };
    assert.ok(throttle.admit({ addr: "1.2.3.4", port: 7 }, { addr: "127.0.0.1", port: 22 }));
    assert.equal(lines.at(-1), "exited MaxStartups throttling after 00:01:05, 1 connections dropped");
    assert.equal(formatTimeframe(90061), "1d01h01m");
  });
});
