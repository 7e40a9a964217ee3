import type { OpenSshVersion } from "../openssh_version.ts";
import { matchPatternList } from "../pattern.ts";
import { ALGORITHM_DEFAULTS, ALGORITHMS_SUPPORTED } from "./_defaults.ts";

/** kex.c kex_assemble_names: `+` appends to the default, `-` removes from it, `^` puts first; every pattern of
 * the result is then matched against what the release supports, in that order, duplicates skipped. */
export function algorithms(value: string | undefined, fallback: string, supported: readonly string[]): string {
  if (value === undefined || value === "") return fallback;
  if (value.startsWith("-")) {
    return fallback
      .split(",")
      .filter((d) => matchPatternList(d, value.slice(1), false) !== "match")
      .join(",");
  }
  const list = value.startsWith("+")
    ? `${fallback},${value.slice(1)}`
    : value.startsWith("^")
      ? `${value.slice(1)},${fallback}`
      : value;
  const out: string[] = [];
  for (const pattern of list.split(",")) {
    for (const name of supported)
      if (matchPatternList(name, pattern, false) === "match" && !out.includes(name)) out.push(name);
  }
  return out.join(",");
}

/** The `all` list kex_assemble_names gets for each keyword. */
export function supportedFor(key: string, version: OpenSshVersion): readonly string[] {
  const all = ALGORITHMS_SUPPORTED[version];
  if (key === "ciphers") return all.ciphers;
  if (key === "macs") return all.macs;
  if (key === "kexalgorithms") return all.kexalgorithms;
  if (key === "casignaturealgorithms") return all.caKeys;
  return all.keys;
}

/** The algorithm keywords, with the name readconf.c's fill_default_options gives each in its error. */
const ASSEMBLED: readonly (readonly [string, string])[] = [
  ["ciphers", "ciphers"],
  ["macs", "macs"],
  ["kexalgorithms", "kex_algorithms"],
  ["hostbasedacceptedalgorithms", "hostbased_accepted_algos"],
  ["pubkeyacceptedalgorithms", "pubkey_accepted_algos"],
  ["casignaturealgorithms", "ca_sign_algorithms"],
];

/**
 * What ssh says when a list assembles to nothing (9.2 accepts `ED25519` or a certificate type for
 * CASignatureAlgorithms while reading): fill_default_options's error for each such list, after which ssh goes
 * on without the list (-G leaves its line out), and -G's own fatal error when it is HostKeyAlgorithms.
 */
export function emptyAlgorithmLists(
  version: OpenSshVersion,
  firstValue: (key: string) => string | undefined,
): { errors: string[]; fatal: string | undefined } {
  const errors: string[] = [];
  for (const [key, what] of ASSEMBLED) {
    const value = firstValue(key);
    const fallback = ALGORITHM_DEFAULTS[version][key] ?? "";
    if (value !== undefined && algorithms(value, fallback, supportedFor(key, version)) === "") {
      errors.push(`fill_default_options: ${what}: invalid argument`);
    }
  }
  const hostKeys = firstValue("hostkeyalgorithms");
  const fallback = ALGORITHM_DEFAULTS[version].hostkeyalgorithms ?? "";
  const fatal =
    hostKeys !== undefined && algorithms(hostKeys, fallback, supportedFor("hostkeyalgorithms", version)) === ""
      ? "dump_client_config: expand HostKeyAlgorithms: invalid argument"
      : undefined;
  return { errors, fatal };
}
