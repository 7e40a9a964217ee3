import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { convtime, INT_MAX } from "./_time.ts";

test("convtime: plain seconds and unit sums", () => {
  const cases: Array<[string, number | undefined]> = [
    ["0", 0],
    ["90", 90],
    ["5s", 5],
    ["5S", 5],
    ["10m", 600],
    ["1h30m", 5400],
    ["1d", 86400],
    ["1w", 604800],
    ["1W2D3H4M5S", 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ["5s5", 10],
    ["1m1m", 120],
    ["007", 7],
    ["+5", 5],
    [" 5", 5],
    ["1h +5", 3605],
    ["-0", 0],
    [String(INT_MAX), INT_MAX],
    ["35791394m", 35791394 * 60],
  ];
  for (const [text, seconds] of cases) assert.equal(convtime(text), seconds, text);
});

test("convtime: what OpenSSH rejects", () => {
  for (const text of [
    "",
    "-1",
    "1-",
    "s",
    "5x",
    "5ms",
    "1.5",
    "0x10",
    " ",
    "5 ",
    "2147483648",
    "35791395m",
    "2147483647s1",
    "99999999999999999999",
    "3551w",
  ]) {
    assert.equal(convtime(text), undefined, JSON.stringify(text));
  }
});

test("convtime: any sum of valid parts within INT_MAX is accepted and exact", () => {
  const unit = fc.constantFrom(["", 1], ["s", 1], ["m", 60], ["h", 3600], ["d", 86400], ["w", 604800]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(100000), unit), { minLength: 1, maxLength: 4 }), (parts) => {
      const text = parts.map(([n, [suffix]]) => `${n}${suffix}`).join("");
      const expected = parts.reduce((sum, [n, [, m]]) => sum + n * m, 0);
      // A unit-less part must be last or its digits merge with the next part's.
      const hasInnerBare = parts.slice(0, -1).some(([, [suffix]]) => suffix === "");
      if (hasInnerBare) return;
      assert.equal(convtime(text), expected <= INT_MAX ? expected : undefined);
    }),
  );
});

test("convtime per release: 9.2 strtol, 10.0 digits only, 10.6 decimal seconds (measured with each ssh -G)", () => {
  const cases: [string, number | undefined, number | undefined, number | undefined][] = [
    ["+5", 5, undefined, undefined],
    ["5s5", 10, 10, undefined],
    ["1.5", undefined, undefined, 1],
    ["1m1.5", undefined, undefined, 61],
    ["1.", undefined, undefined, undefined],
    ["1.5m", undefined, undefined, undefined],
    ["1h30m", 5400, 5400, 5400],
    ["2147483647", 2147483647, 2147483647, 2147483647],
    ["2147483647.5", undefined, undefined, undefined],
  ];
  for (const [text, v92, v100, v106] of cases) {
    assert.deepEqual([convtime(text, "9.2"), convtime(text, "10.0"), convtime(text, "10.6")], [v92, v100, v106], text);
  }
});
