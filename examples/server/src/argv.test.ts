import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMetricsAddress, parseServerArguments, UsageError } from "./argv.ts";

test("--metrics takes [ADDR:]PORT, on 127.0.0.1 unless an address is given", () => {
  assert.deepEqual(parseMetricsAddress("9464"), { host: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseMetricsAddress("0.0.0.0:9464"), { host: "0.0.0.0", port: 9464 });
  assert.deepEqual(parseMetricsAddress("[::1]:0"), { host: "::1", port: 0 });
  for (const bad of ["", "x", "1:2:3", "65536", "host:", ":80"]) assert.equal(parseMetricsAddress(bad), undefined, bad);
  assert.deepEqual(parseServerArguments(["-D", "--metrics", "9464"]).metrics, { host: "127.0.0.1", port: 9464 });
  assert.equal(parseServerArguments(["-D"]).metrics, undefined);
  assert.throws(() => parseServerArguments(["--metrics", "nope"]), UsageError);
  assert.throws(() => parseServerArguments(["--metrics"]), /option requires an argument -- metrics/);
});
