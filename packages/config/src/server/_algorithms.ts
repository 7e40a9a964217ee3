/**
 * sshd's algorithm lists (Ciphers, MACs, KexAlgorithms and the key type lists): how servconf.c checks a line
 * and how kex_assemble_names builds the list sshd uses from `+add`, `-remove`, `^first` or an explicit list.
 *
 * @module
 */
import type { OpenSshVersion } from "../openssh_version.ts";
import { matchPattern, matchPatternList } from "../pattern.ts";
import { SUPPORTED_ALGORITHMS } from "./_sshd_algorithms.ts";
import { SSHD_DEFAULTS } from "./_sshd_defaults.ts";

/** The keywords whose value is an algorithm list, and which supported list each draws from. */
const LISTS: Readonly<Record<string, "cipher" | "mac" | "kex" | "key" | "ca">> = {
  ciphers: "cipher",
  macs: "mac",
  kexalgorithms: "kex",
  hostkeyalgorithms: "key",
  pubkeyacceptedalgorithms: "key",
  hostbasedacceptedalgorithms: "key",
  casignaturealgorithms: "ca",
};

/** Whether `key` (lower case, aliases folded) takes an algorithm list. */
export function isAlgorithmList(key: string): boolean {
  return key in LISTS;
}

function supported(key: string, version: OpenSshVersion): readonly string[] {
  const all = SUPPORTED_ALGORITHMS[version];
  switch (LISTS[key]) {
    case "cipher":
      return all.cipher.split(",");
    case "mac":
      return all.mac.split(",");
    case "kex":
      return all.kex.split(",");
    case "ca":
      return all.keySig.split(",").filter((name) => !name.includes("-cert"));
    default:
      return all.keySig.split(",");
  }
}

/** The names of `b` that `a` lacks, after `a` (kex_names_cat). */
function cat(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const name of b) if (name !== "" && !out.includes(name)) out.push(name);
  return out;
}

/**
 * servconf.c's check of one algorithm-list line; the message (possibly two lines, as sshd prints them) or
 * `undefined` when sshd accepts it. A `-` list is never checked.
 */
export function checkAlgorithms(key: string, arg: string, at: string, version: OpenSshVersion): string | undefined {
  if (arg.startsWith("-")) return undefined;
  const names = (arg.startsWith("+") || arg.startsWith("^") ? arg.slice(1) : arg).split(",");
  const all = supported(key, version);
  switch (LISTS[key]) {
    case "cipher":
      return names.every((n) => all.includes(n)) ? undefined : `${at}: Bad SSH2 cipher spec '${arg}'.`;
    case "mac":
      return names.every((n) => all.includes(n)) ? undefined : `${at}: Bad SSH2 mac spec '${arg}'.`;
    case "kex": {
      const bad = names.find((n) => !all.includes(n));
      return bad === undefined
        ? undefined
        : `Unsupported KEX algorithm "${bad}"\n${at}: Bad SSH2 KexAlgorithms '${arg}'.`;
    }
    default: {
      // Key type lists may hold wildcards; each entry must name (or match) a known type.
      const known = (n: string) => (/[*?]/.test(n) ? all.some((name) => matchPattern(name, n)) : all.includes(n));
      return names.every(known) ? undefined : `${at}: Bad key types '${arg}'.`;
    }
  }
}

/**
 * kex_assemble_names: the list sshd uses for `arg` (`undefined`: unset, the default). `+x` appends to the
 * default, `^x` puts x first, `-x` removes what the patterns x match; every entry is then matched against what
 * the release supports, in the supported list's order for a pattern.
 */
export function assembleAlgorithms(key: string, arg: string | undefined, version: OpenSshVersion): string | undefined {
  const defaults = SSHD_DEFAULTS[version][key];
  if (arg === undefined || defaults === undefined) return undefined;
  const def = defaults.split(",");
  const all = supported(key, version);
  if (arg.startsWith("-")) {
    const kept = def.filter((name) => matchPatternList(name, arg.slice(1), false) !== "match");
    return kept.length > 0 ? kept.join(",") : defaults;
  }
  const list = arg.startsWith("+")
    ? cat(def, arg.slice(1).split(","))
    : arg.startsWith("^")
      ? cat(arg.slice(1).split(","), def)
      : arg.split(",");
  let out: string[] = [];
  for (const pattern of list)
    out = cat(
      out,
      all.filter((name) => matchPattern(name, pattern)),
    );
  return out.join(",");
}
