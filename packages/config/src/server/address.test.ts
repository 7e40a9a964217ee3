import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { matchAddressList, parseAddress } from "./address.ts";

test("parseAddress: inet_aton's IPv4 forms and inet_pton's IPv6", () => {
  assert.deepEqual(parseAddress("192.168.1.7"), [192, 168, 1, 7]);
  assert.deepEqual(parseAddress("10.1"), [10, 0, 0, 1]);
  assert.deepEqual(parseAddress("0x7f.1"), [127, 0, 0, 1]);
  assert.deepEqual(parseAddress("2130706433"), [127, 0, 0, 1]);
  assert.equal(parseAddress("256.1.1.1"), undefined);
  assert.equal(parseAddress("1.2.3.4.5"), undefined);
  assert.equal(parseAddress("example.com"), undefined);
  assert.deepEqual(parseAddress("::1"), [...new Array(15).fill(0), 1]);
  assert.deepEqual(parseAddress("::ffff:1.2.3.4")?.slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.equal(parseAddress("1::2::3"), undefined);
  assert.equal(parseAddress("1:2:3:4:5:6:7:8:9"), undefined);
  assert.equal(parseAddress("fe80::1%lo"), undefined);
});

test("matchAddressList: CIDR, wildcards, negation, invalid networks", () => {
  assert.equal(matchAddressList("192.168.1.7", "10.0.0.0/8,192.168.0.0/16"), "match");
  assert.equal(matchAddressList("192.168.1.7", "192.168.*,!192.168.1.0/24"), "negated");
  assert.equal(matchAddressList("8.8.8.8", "10.0.0.0/8"), "no-match");
  assert.equal(matchAddressList("2001:db8::5", "2001:db8::/32"), "match");
  assert.equal(matchAddressList("127.0.0.1", "::/0"), "no-match");
  assert.equal(matchAddressList("127.0.0.1", "0.0.0.0/0"), "match");
  assert.equal(matchAddressList(undefined, "10.0.0.1/8"), "invalid");
  assert.equal(matchAddressList(undefined, "10.0.0.0/33"), "invalid");
  assert.equal(matchAddressList(undefined, "10.0.0.0/8,"), "invalid");
  assert.equal(matchAddressList(undefined, "10.0.0.0/8,host.*"), "no-match");
  // An address that is not numeric matches nothing, not even "*".
  assert.equal(matchAddressList("host.example", "*"), "no-match");
});

test("matchAddressList: an address is in every network made from its own prefix", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 32 }),
      (bytes, length) => {
        const network = bytes.map((byte, i) => {
          const keep = Math.max(0, Math.min(8, length - i * 8));
          return byte & (0xff << (8 - keep)) & 0xff;
        });
        assert.equal(matchAddressList(bytes.join("."), `${network.join(".")}/${length}`), "match");
        assert.equal(matchAddressList(bytes.join("."), `!${network.join(".")}/${length}`), "negated");
      },
    ),
  );
});
