import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";

const NONE = 2147483647;
const DSCP: readonly (readonly [string, number])[] = [
  ["af11", 0x28],
  ["af12", 0x30],
  ["af13", 0x38],
  ["af21", 0x48],
  ["af22", 0x50],
  ["af23", 0x58],
  ["af31", 0x68],
  ["af32", 0x70],
  ["af33", 0x78],
  ["af41", 0x88],
  ["af42", 0x90],
  ["af43", 0x98],
  ["cs0", 0x00],
  ["cs1", 0x20],
  ["cs2", 0x40],
  ["cs3", 0x60],
  ["cs4", 0x80],
  ["cs5", 0xa0],
  ["cs6", 0xc0],
  ["cs7", 0xe0],
  ["ef", 0xb8],
  ["le", 0x04],
];

/** misc.c's ipqos[] of a release, in its order (iptos2str prints the first name of a value). */
function table(version: OpenSshVersion): (readonly [string, number])[] {
  const legacy: (readonly [string, number])[] = [
    ["lowdelay", 0x10],
    ["throughput", 0x08],
    ["reliability", 0x04],
  ];
  if (opensshAtLeast(version, "10.5")) return [["none", NONE], ...DSCP, ["va", 0xb0]];
  return [["none", NONE], ...DSCP, ...legacy];
}

/**
 * misc.c parse_ipqos as readconf.c uses it: a name (any case) or a number 0…255 (9.2: C `strtol` base 0, so
 * `0x20` works; 10.0 and later: decimal only). From 10.0 the old ToS names `lowdelay`, `throughput` and
 * `reliability` are deprecated and read as `none`. Returns the value, or `undefined` for a bad one.
 */
export function parseIpqos(text: string, version: OpenSshVersion): number | undefined {
  const lower = text.toLowerCase();
  if (opensshAtLeast(version, "10.0") && ["lowdelay", "throughput", "reliability"].includes(lower)) return NONE;
  const named = table(version).find(([name]) => name === lower);
  if (named) return named[1];
  const pattern = opensshAtLeast(version, "10.0")
    ? /^[0-9]+$/
    : /^[ \t\n\v\f\r]*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
  if (!pattern.test(text)) return undefined;
  const value = Number.parseInt(
    text.trim(),
    /^[ \t\n\v\f\r]*[+-]?0[xX]/.test(text)
      ? 16
      : /^[ \t\n\v\f\r]*[+-]?0[0-7]/.test(text) && !opensshAtLeast(version, "10.0")
        ? 8
        : 10,
  );
  return value >= 0 && value <= 255 ? value : undefined;
}

/** misc.c iptos2str: the first name of the value, or `0x%02x`. */
export function formatIpqos(value: number, version: OpenSshVersion): string {
  return table(version).find(([, v]) => v === value)?.[0] ?? `0x${value.toString(16).padStart(2, "0")}`;
}
