import assert from "node:assert/strict";
import { test } from "node:test";
import { flagValue, integerValue, portValue, strtonum, timeOrNoneValue, timeValue } from "./_values.ts";

test("timeValue and timeOrNoneValue", () => {
  assert.equal(timeValue.parse("1h30m"), 5400);
  assert.equal(timeValue.safeParse("x").error?.issues[0]?.message, "invalid time value.");
  assert.equal(timeOrNoneValue.parse("none"), undefined);
  assert.equal(timeOrNoneValue.safeParse("None").success, false);
  assert.equal(timeOrNoneValue.parse("0"), 0);
});

test("flagValue: yes/no/true/false in any case", () => {
  assert.equal(flagValue.parse("YES"), true);
  assert.equal(flagValue.parse("True"), true);
  assert.equal(flagValue.parse("no"), false);
  assert.equal(flagValue.safeParse("on").error?.issues[0]?.message, 'unsupported option "on".');
});

test("integerValue: strtonum 0…INT_MAX with OpenSSH's words", () => {
  assert.equal(integerValue.parse("3"), 3);
  assert.equal(integerValue.parse("+3"), 3);
  assert.equal(integerValue.parse(" 3"), 3);
  assert.equal(integerValue.parse("007"), 7);
  assert.equal(integerValue.safeParse("-1").error?.issues[0]?.message, "integer value too small.");
  assert.equal(integerValue.safeParse("2147483648").error?.issues[0]?.message, "integer value too large.");
  assert.equal(integerValue.safeParse("3x").error?.issues[0]?.message, "integer value invalid.");
  assert.equal(integerValue.safeParse("3 ").error?.issues[0]?.message, "integer value invalid.");
  assert.equal(strtonum("99999999999999999999999", 0, 10), "too large");
});

test("portValue: numbers, service names, never 0", () => {
  assert.equal(portValue.parse("2222"), 2222);
  assert.equal(portValue.parse("ssh"), 22);
  assert.equal(portValue.safeParse("0").error?.issues[0]?.message, "Bad port '0'.");
  assert.equal(portValue.safeParse("65536").error?.issues[0]?.message, "Bad port '65536'.");
});
