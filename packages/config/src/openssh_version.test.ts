import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_OPENSSH_VERSION, OPENSSH_VERSIONS, opensshAtLeast, opensshVersion } from "./openssh_version.ts";

test("opensshVersion: undefined is the newest; anything but a supported release is a RangeError", () => {
  assert.equal(DEFAULT_OPENSSH_VERSION, OPENSSH_VERSIONS.at(-1));
  assert.equal(opensshVersion(undefined), "10.6");
  for (const v of OPENSSH_VERSIONS) assert.equal(opensshVersion(v), v);
  for (const bad of ["9.9", "10", 10, null, "", "10.6 "]) {
    assert.throws(
      () => opensshVersion(bad),
      (e: unknown) => e instanceof RangeError && /"openssh" must be one of/.test(e.message),
    );
  }
});

test("opensshAtLeast compares releases numerically", () => {
  assert.ok(opensshAtLeast("10.0", "9.9"));
  assert.ok(opensshAtLeast("10.6", "10.5"));
  assert.ok(!opensshAtLeast("9.2", "9.4"));
  assert.ok(!opensshAtLeast("10.0", "10.1"));
});
