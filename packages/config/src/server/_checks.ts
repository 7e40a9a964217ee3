/**
 * servconf.c's value checks for the keywords with a format of their own (IPQoS, MaxStartups, RekeyLimit,
 * PerSourceMaxStartups, PerSourceNetBlockSize, AuthenticationMethods, PubkeyAuthOptions), worded as sshd words
 * them, per release.
 *
 * @module
 */

import { convtime, INT_MAX } from "../_time.ts";
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";

/** The IPQoS words each release reads (misc.c ipqos[]); 10.0's Debian build reads the TOS names as `none`. */
export const IPQOS_WORDS: readonly string[] = [
  "none",
  ...["af11", "af12", "af13", "af21", "af22", "af23", "af31", "af32", "af33", "af41", "af42", "af43"],
  ...["cs0", "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "cs7", "ef", "le", "lowdelay", "throughput", "reliability"],
];

/** C's sscanf("%d:%d:%d"): the integers read before the first mismatch. */
function scanInts(text: string, count: number): number[] {
  const out: number[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const match = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(rest);
    if (!match) break;
    out.push(Number(match[1]));
    rest = rest.slice(match[0].length);
    if (i < count - 1) {
      if (!rest.startsWith(":")) break;
      rest = rest.slice(1);
    }
  }
  return out;
}

/** misc.c scan_scaled: a number with an optional B/K/M/G/T/P/E suffix; undefined when it is not one. */
export function scanScaled(text: string): bigint | undefined {
  const match = /^([0-9]+)([BKMGTPE]?)$/i.exec(text);
  if (!match) return undefined;
  const unit = "BKMGTPE".indexOf((match[2] || "B").toUpperCase());
  return BigInt(match[1] as string) * 1024n ** BigInt(unit);
}

const METHODS = ["publickey", "password", "keyboard-interactive", "hostbased", "gssapi-with-mic", "none"];

/** auth2_methods_valid for one `method[:sub],method…` list; the unknown method or undefined. */
function unknownMethod(list: string, version: OpenSshVersion): string | undefined {
  const known = opensshAtLeast(version, "10.6") ? METHODS.filter((m) => m !== "gssapi-with-mic") : METHODS;
  for (const entry of list.split(",")) {
    const name = entry.split(":")[0] ?? "";
    if (!known.includes(name)) return name;
  }
  return undefined;
}

/** Keywords 10.0 on refuse when every argument is a comment (`no X specified`); AuthenticationMethods always. */
const NEED_ARGUMENTS = ["channeltimeout", "logverbose", "acceptenv", "setenv"];
NEED_ARGUMENTS.push("allowusers", "denyusers", "allowgroups", "denygroups");

/**
 * The message sshd fails with for this line, or undefined. `at` is `FILE line N`; `value` is the rest of the
 * line as written (what the command keywords take).
 */
export function checkServerValue(
  key: string,
  args: readonly string[],
  keyword: string,
  at: string,
  version: OpenSshVersion,
  value = "",
): string | undefined {
  const arg = args[0] ?? "";
  if (args.length === 0) {
    const modern = opensshAtLeast(version, "10.0");
    if (key === "authenticationmethods" || (modern && NEED_ARGUMENTS.includes(key)))
      return `${at}: no ${keyword} specified`;
    if (key === "revokedkeys" && opensshAtLeast(version, "10.6")) return `${at}: no ${keyword} specified`;
  }
  switch (key) {
    case "authorizedkeyscommand":
    case "authorizedprincipalscommand": {
      const command = value.replace(/^[ \t]+/, "");
      return command.startsWith("/") || command.toLowerCase() === "none"
        ? undefined
        : `${at}: ${keyword} must be an absolute path`;
    }
    case "ipqos":
      for (const word of args.slice(0, 2)) {
        const number = /^[0-9]+$/.test(word) ? Number(word) : Number.NaN;
        if (!IPQOS_WORDS.includes(word.toLowerCase()) && !(number >= 0 && number <= 255)) {
          return `${at}: Bad IPQoS value: ${word}`;
        }
      }
      return undefined;
    case "maxstartups": {
      const n = scanInts(arg, 3);
      const [begin = 0, rate = 30, full = begin] = n;
      const bad = (n.length !== 3 && n.length !== 1) || begin > full || full < 1 || rate > 100 || rate < 1;
      return bad ? `${at}: Invalid MaxStartups spec.` : undefined;
    }
    case "persourcemaxstartups":
      if (arg.toLowerCase() === "none") return undefined;
      return /^[0-9]+$/.test(arg) && Number(arg) <= INT_MAX ? undefined : `${at}: ${keyword} integer value invalid.`;
    case "persourcenetblocksize": {
      const n = scanInts(arg, 2);
      const [v4 = 0, v6 = 128] = n;
      const bad = n.length === 0 || v4 < 0 || v4 > 32 || (n.length === 2 && (v6 < 0 || v6 > 128));
      return bad ? `${at}: Invalid ${keyword} spec.` : undefined;
    }
    case "rekeylimit": {
      if (arg.toLowerCase() !== "default") {
        const size = scanScaled(arg);
        if (size === undefined) return `${at}: Bad ${keyword} number '${arg}': Invalid argument`;
        if (size !== 0n && size < 16n) return `${at}: ${keyword} too small`;
      }
      const interval = args[1];
      if (interval === undefined || interval === "none") return undefined;
      return convtime(interval) === undefined ? `${at}: invalid time value.` : undefined;
    }
    case "authenticationmethods": {
      let any = false;
      for (const [index, list] of args.entries()) {
        if (list === "any") {
          if (index > 0) return `${at}: "any" must appear alone in ${keyword}`;
          any = true;
        } else if (any) {
          return `${at}: "any" must appear alone in ${keyword}`;
        } else {
          const bad = unknownMethod(list, version);
          if (bad !== undefined) {
            return `Unknown authentication method "${bad}" in list\n${at}: invalid ${keyword} method list.`;
          }
        }
      }
      return undefined;
    }
    case "pubkeyauthoptions":
      for (const word of args) {
        const lower = word.toLowerCase();
        const maxPkOk = opensshAtLeast(version, "10.6") && /^max-pk-ok:[0-9]+$/.test(lower);
        if (!["none", "touch-required", "verify-required"].includes(lower) && !maxPkOk) {
          return `${at}: unsupported ${keyword} option ${word}`;
        }
      }
      return undefined;
    default:
      return undefined;
  }
}
