import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { endOfOptions, parseAbsoluteTime, parseKeyOptions } from "./auth_options.ts";

const ok = (text: string) => {
  const result = parseKeyOptions(text);
  if ("error" in result) throw new Error(`${text}: ${result.error}`);
  return result.options;
};
const error = (text: string) => {
  const result = parseKeyOptions(text);
  return "error" in result ? result.error : undefined;
};

describe("authorized_keys options, as auth-options.c sshauthopt_parse reads them", () => {
  it("flags, negations and restrict", () => {
    assert.equal(ok("no-pty").permitPty, false);
    assert.equal(ok("restrict").permitPortForwarding, false);
    assert.deepEqual(
      [
        ok("restrict,pty").permitPty,
        ok("restrict,pty").permitAgentForwarding,
        ok("restrict,port-forwarding").permitPortForwarding,
      ],
      [true, false, true],
    );
    assert.equal(ok("NO-PORT-FORWARDING").permitPortForwarding, false);
    assert.equal(ok("cert-authority").certAuthority, true);
    assert.equal(ok("no-agent-forwarding,no-X11-forwarding").permitAgentForwarding, false);
  });
  it("quoted values: commas and escaped quotes inside, first environment name wins, earliest expiry", () => {
    assert.equal(ok('command="echo \\"a,b\\""').forceCommand, 'echo "a,b"');
    assert.equal(ok('From="10.0.0.0/8,!10.1.*"').from, "10.0.0.0/8,!10.1.*");
    assert.deepEqual(ok('environment="A=1",environment="A=2",environment="B=3"').environment, ["A=1", "B=3"]);
    assert.equal(ok('expiry-time="20300101Z",expiry-time="20290101Z"').validBefore, parseAbsoluteTime("20290101Z"));
    assert.deepEqual(ok('permitopen="host:22",permitopen="[::1]:*"').permitOpen, ["host:22", "[::1]:*"]);
    assert.deepEqual(ok('permitlisten="8080"').permitListen, ["*:8080"]);
  });
  it("refuses what sshd refuses, with its reasons", () => {
    const table: [string, string][] = [
      ["bogus", "unknown key option"],
      ["restrictx", "unknown key option"],
      ["no-restrict", "unknown key option"],
      ["pty,", "unexpected end-of-options"],
      ["command=echo", "missing start quote"],
      ['command="echo', "missing end quote"],
      ['command="a",command="b"', 'multiple "command" clauses'],
      ['from="a",from="b"', 'multiple "from" clauses'],
      ['expiry-time="2030"', "invalid expires time"],
      ['environment="NOEQUALS"', "invalid environment string"],
      ['environment="BAD-NAME=1"', "invalid environment string"],
      ['permitopen="host"', "invalid permission port"],
      ['permitopen="host:0"', "invalid permission port"],
      ['permitopen=""', "invalid permission hostname"],
      ['tunnel="x"', "invalid tun device"],
    ];
    for (const [text, reason] of table) assert.equal(error(text), reason, text);
  });
  it("a leading comma is skipped, as the C loop does", () => {
    assert.equal(ok(",no-pty").permitPty, false);
  });
  it("the options end at the first unquoted blank", () => {
    assert.equal(endOfOptions('command="a b" ssh-ed25519 AAAA'), 13);
    assert.equal(endOfOptions('command="a \\" b" ssh-ed25519'), 16);
    assert.equal(endOfOptions('command="open'), -1);
  });
  it("absolute times: the three lengths, Z and UTC, and nothing else", () => {
    assert.equal(parseAbsoluteTime("20300101Z"), Date.UTC(2030, 0, 1) / 1000);
    assert.equal(parseAbsoluteTime("203001011230UTC"), Date.UTC(2030, 0, 1, 12, 30) / 1000);
    assert.equal(parseAbsoluteTime("20300101123045z"), Date.UTC(2030, 0, 1, 12, 30, 45) / 1000);
    assert.equal(parseAbsoluteTime("2030010"), undefined);
    assert.equal(parseAbsoluteTime("20301301"), undefined);
  });
});
