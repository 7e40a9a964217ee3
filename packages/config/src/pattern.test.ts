import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { matchHostname, matchPattern, matchPatternList } from "./pattern.ts";

test("matchPattern: * any run, ? exactly one, case-sensitive, nothing else special", () => {
  const cases: Array<[string, string, boolean]> = [
    ["web1", "web?", true],
    ["web", "web?", false],
    ["web12", "web?", false],
    ["web12", "web??", true],
    ["", "*", true],
    ["", "", true],
    ["a", "", false],
    ["abc", "a*c", true],
    ["ac", "a*c", true],
    ["abcbc", "a*bc", true],
    ["abcbd", "a*bc", false],
    ["x.example.com", "*.example.com", true],
    ["example.com", "*.example.com", false],
    ["Web1", "web1", false],
    ["a,b", "a,b", true],
    ["a", "a,b", false],
    ["!a", "!a", true],
    ["[a]", "[a]", true],
    ["a", "[a]", false],
    ["aaa", "**a", true],
    ["ab", "*?", true],
    ["", "*?", false],
  ];
  for (const [s, p, expected] of cases) assert.equal(matchPattern(s, p), expected, `${s} ~ ${p}`);
});

test("matchPattern: ? is one UTF-8 byte, as in C", () => {
  assert.equal(matchPattern("é", "?"), false);
  assert.equal(matchPattern("é", "??"), true);
  assert.equal(matchPattern("é", "é"), true);
});

test("matchPatternList: comma lists, negation wins, lowercase flag", () => {
  assert.equal(matchPatternList("web1", "db,web*", false), "match");
  assert.equal(matchPatternList("web1", "db", false), "no-match");
  assert.equal(matchPatternList("web1", "web*,!web1", false), "negated");
  assert.equal(matchPatternList("web1", "!web1,web*", false), "negated");
  assert.equal(matchPatternList("web1", "!db", false), "no-match");
  assert.equal(matchPatternList("web1", "WEB1", false), "no-match");
  assert.equal(matchPatternList("web1", "WEB1", true), "match");
  assert.equal(matchPatternList("", "", false), "no-match");
  assert.equal(matchPatternList("a", "a,", false), "match");
  assert.equal(matchPatternList("", "a,", false), "no-match");
  assert.equal(matchPatternList("x", "x".repeat(1023), false), "no-match");
  assert.equal(matchHostname("HOST.Example", "host.EXAMPLE"), "match");
});

test("matchPattern agrees with a regular-expression model", () => {
  const alphabet = fc.constantFrom("a", "b", "*", "?", ".");
  fc.assert(
    fc.property(
      fc.string({ unit: alphabet, maxLength: 8 }),
      fc.string({ unit: fc.constantFrom("a", "b", "."), maxLength: 8 }),
      (p, s) => {
        const source = p.replace(/[.]/g, "\\.").replace(/\*/g, ".*").replace(/\?/g, ".");
        assert.equal(matchPattern(s, p), new RegExp(`^${source}$`, "s").test(s));
      },
    ),
  );
});
