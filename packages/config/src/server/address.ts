/**
 * OpenSSH's addrmatch.c and addr.c: address lists with CIDR networks (IPv4 and IPv6), negation and wildcards, as
 * `Match Address` and `Match LocalAddress` use them.
 *
 * @module
 */
import { matchPattern } from "../pattern.ts";

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
type Bytes = readonly number[];

/** One inet_aton part: decimal, `0x` hex or `0` octal, as C `strtoul(…, 0)` reads it. */
function atonPart(part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return Number.parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return Number(part);
  return undefined;
}

/** glibc's inet_aton (what getaddrinfo with AI_NUMERICHOST accepts for IPv4): `a.b.c.d`, `a.b.c`, `a.b`, `a`. */
function parseIPv4(text: string): Bytes | undefined {
  const parts = text.split(".");
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    const value = atonPart(part);
    if (value === undefined || value > 0xffffffff) return undefined;
    values.push(value);
  }
  const last = values.pop() as number;
  for (const value of values) if (value > 255) return undefined;
  if (last >= 2 ** (8 * (4 - values.length))) return undefined;
  const bytes = [...values];
  for (let i = 3 - values.length; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return bytes;
}

/** inet_pton(AF_INET, …): exactly four decimal parts, as the tail of an IPv6 address needs. */
function parseDottedQuad(text: string): Bytes | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes.push(Number(part));
  }
  return bytes;
}

/** inet_pton(AF_INET6, …). Scope ids (`%eth0`) are not read: such text is not an address here. */
function parseIPv6(text: string): Bytes | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (i === parts.length - 1 && part.includes(".")) {
        const quad = parseDottedQuad(part);
        if (!quad) return undefined;
        out.push(((quad[0] as number) << 8) | (quad[1] as number), ((quad[2] as number) << 8) | (quad[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(Number.parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/**
 * addr.c `addr_pton`: a numeric IPv4 or IPv6 address as getaddrinfo(AI_NUMERICHOST) reads it, as bytes.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./address.ts";
 * parseAddress("10.1"); // [10, 0, 0, 1] (inet_aton's short forms)
 * parseAddress("::1")?.length; // 16
 * parseAddress("example.com"); // undefined
 * ```
 */
export function parseAddress(text: string): Bytes | undefined {
  if (text.includes(":")) return parseIPv6(text);
  return parseIPv4(text);
}

/** addr.c `addr_pton_cidr`: `address[/len]` → network and length, -1 not a network, -2 an invalid one. */
function parseNetwork(text: string): { bytes: Bytes; length: number } | -1 | -2 {
  if (text.length >= 64) return -1; // OpenSSH copies it into a 64-byte buffer
  const slash = text.indexOf("/");
  let length: number | undefined;
  let address = text;
  if (slash !== -1) {
    const digits = text.slice(slash + 1);
    if (!/^[0-9]+$/.test(digits)) return -1;
    length = Number(digits);
    if (length > 128) return -1;
    address = text.slice(0, slash);
  }
  const bytes = parseAddress(address);
  if (!bytes) return -1;
  const bits = bytes.length * 8;
  length ??= bits;
  if (length > bits) return -2;
  // The host part must be all zeros: 10.0.0.1/8 is refused, not silently widened.
  for (let bit = length; bit < bits; bit++) {
    if (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) return -2;
  }
  return { bytes, length };
}

function inNetwork(address: Bytes, network: Bytes, length: number): boolean {
  if (address.length !== network.length) return false;
  for (let bit = 0; bit < length; bit++) {
    const shift = 7 - (bit & 7);
    if ((((address[bit >> 3] as number) >> shift) & 1) !== (((network[bit >> 3] as number) >> shift) & 1)) {
      return false;
    }
  }
  return true;
}

/**
 * The result of an address list: `"match"`, `"no-match"`, `"negated"` (a `!entry` matched, which wins), or
 * `"invalid"`: the list has an empty entry, or a network with host bits set or too long a prefix (addrmatch.c
 * returns 1, 0, -1 and -2 for these).
 */
export type AddressListResult = "match" | "no-match" | "negated" | "invalid";

/**
 * addrmatch.c `addr_match_list`: matches an address against a comma-separated list of CIDR networks
 * (`192.168.0.0/16`, `2001:db8::/32`), plain addresses and wildcard patterns (`10.0.0.*`), each negatable with
 * `!`. A negated match wins. With `address` undefined only the list's syntax is checked (`"no-match"` or
 * `"invalid"`). An address that is not numeric matches nothing, not even `*`.
 *
 * @example
 * ```ts
 * import { matchAddressList } from "@tsalive/config/unstable";
 * matchAddressList("192.168.1.7", "10.0.0.0/8,192.168.0.0/16"); // "match"
 * matchAddressList("192.168.1.7", "192.168.*,!192.168.1.0/24"); // "negated"
 * matchAddressList("::1", "::1/128"); // "match"
 * matchAddressList(undefined, "10.0.0.1/8"); // "invalid" (host bits set)
 * ```
 */
export function matchAddressList(address: string | undefined, list: string): AddressListResult {
  let subject: Bytes | undefined;
  if (address !== undefined) {
    subject = parseAddress(address);
    if (!subject) return "no-match";
  }
  let result: AddressListResult = "no-match";
  for (let entry of list.split(",")) {
    const negated = entry.startsWith("!");
    if (negated) entry = entry.slice(1);
    if (entry === "") return "invalid";
    const network = parseNetwork(entry);
    if (network === -2) return "invalid";
    const matched =
      address !== undefined &&
      (network === -1 ? matchPattern(address, entry) : inNetwork(subject as Bytes, network.bytes, network.length));
    if (matched) {
      if (negated) return "negated";
      result = "match";
    }
  }
  return result;
}
