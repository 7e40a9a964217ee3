import { convtime } from "../_time.ts";
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";
import { matchPatternList } from "../pattern.ts";
import { ALGORITHMS_SUPPORTED } from "./_defaults.ts";

/**
 * The value checks readconf.c makes for one-argument keywords tsalive keeps as written: given the argument,
 * OpenSSH's message tail when ssh rejects it, else undefined. Keywords without an entry take any value
 * (algorithm lists and paths are checked by ssh against its build, which tsalive does not reproduce).
 */
export const WORD_CHECKS: ReadonlyMap<string, (arg: string, openssh: OpenSshVersion) => string | undefined> = new Map<
  string,
  (arg: string, openssh: OpenSshVersion) => string | undefined
>([
  [
    "loglevel",
    (arg: string) =>
      /^(quiet|fatal|error|info|verbose|debug[123]?)$/i.test(arg) ? undefined : `unsupported log level '${arg}'`,
  ],
  [
    "syslogfacility",
    (arg: string) =>
      /^(daemon|user|auth|authpriv|local[0-7])$/i.test(arg) ? undefined : `unsupported log facility '${arg}'`,
  ],
  [
    "escapechar",
    (arg: string) => {
      if (arg === "none" || arg.length === 1) return undefined;
      const code = arg.charCodeAt(1);
      return arg.length === 2 && arg[0] === "^" && code >= 64 && code < 128 ? undefined : "Bad escape character.";
    },
  ],
  [
    "controlpersist",
    (arg: string, openssh: OpenSshVersion) =>
      ["yes", "true", "no", "false"].includes(arg) || convtime(arg, openssh) !== undefined
        ? undefined
        : "Bad ControlPersist argument.",
  ],
  [
    "streamlocalbindmask",
    (arg: string) => {
      const match = /^[ \t\n\v\f\r]*[+-]?[0-7]+/.exec(arg);
      if (!match) return "Bad mask.";
      const value = Number.parseInt(match[0].trim(), 8);
      return value < 0 || value > 0o777 ? "Bad mask." : undefined;
    },
  ],
  [
    "fingerprinthash",
    (arg: string) => (/^(md5|sha1|sha256|sha384|sha512)$/i.test(arg) ? undefined : `Invalid hash algorithm "${arg}".`),
  ],
  ["ciphers", algorithmCheck("ciphers", "Bad SSH2 cipher spec")],
  ["macs", algorithmCheck("macs", "Bad SSH2 MAC spec")],
  ["kexalgorithms", algorithmCheck("kexalgorithms", "Bad SSH2 KexAlgorithms")],
  ["hostkeyalgorithms", algorithmCheck("keys", "Bad key types")],
  ["pubkeyacceptedalgorithms", algorithmCheck("keys", "Bad key types")],
  ["pubkeyacceptedkeytypes", algorithmCheck("keys", "Bad key types")],
  ["hostbasedacceptedalgorithms", algorithmCheck("keys", "Bad key types")],
  ["hostbasedkeytypes", algorithmCheck("keys", "Bad key types")],
  ["casignaturealgorithms", algorithmCheck("caKeys", "Bad key types")],
  ["tunneldevice", (arg: string) => (parseTunnelDevice(arg) === undefined ? "Bad tun device." : undefined)],
]);

/** What readconf.c says when a one-word keyword has no argument at all (most say `Missing argument.`). */
export const WORD_MISSING: ReadonlyMap<string, string> = new Map([
  ["loglevel", "unsupported log level '<NONE>'"],
  ["syslogfacility", "unsupported log facility '<NONE>'"],
  ["controlpersist", "Missing ControlPersist argument."],
  ["streamlocalbindmask", "Missing StreamLocalBindMask argument."],
]);

const TUNID_ANY = 0x7fffffff;

function a2tun(text: string): number | undefined {
  if (text.toLowerCase() === "any") return TUNID_ANY;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return value <= TUNID_ANY - 2 ? value : undefined;
}

/** misc.c a2tun for TunnelDevice `local[:remote]` (`any` either side); `undefined` for ssh's "Bad tun device.". */
export function parseTunnelDevice(text: string): { local: number | "any"; remote: number | "any" } | undefined {
  const colon = text.indexOf(":");
  const local = a2tun(colon === -1 ? text : text.slice(0, colon));
  const remote = colon === -1 ? TUNID_ANY : a2tun(text.slice(colon + 1));
  if (local === undefined || remote === undefined) return undefined;
  const show = (n: number) => (n === TUNID_ANY ? "any" : n);
  return { local: show(local), remote: show(remote) };
}

/**
 * readconf.c's checks of an algorithm list (ciphers_valid, mac_valid, kex_names_valid, sshkey_names_valid2): not
 * for a `-` list; for `+`/`^` the rest; every name up to the first empty one must be one the release supports
 * (key lists also take a pattern that matches one). An empty list is invalid.
 */
function algorithmCheck(
  kind: "ciphers" | "macs" | "kexalgorithms" | "keys" | "caKeys",
  message: string,
): (arg: string, openssh: OpenSshVersion) => string | undefined {
  return (arg, openssh) => {
    if (arg.startsWith("-")) return undefined;
    const list = arg.startsWith("+") || arg.startsWith("^") ? arg.slice(1) : arg;
    const supported = ALGORITHMS_SUPPORTED[openssh][kind];
    const keys = kind === "keys" || kind === "caKeys";
    // 9.2's sshkey_type_from_name also knows every key type by its short name, in any case (RSA, ED25519, …).
    const known = (name: string) =>
      supported.includes(name) ||
      (keys && !opensshAtLeast(openssh, "10.0") && KEY_SHORT_NAMES.includes(name.toUpperCase())) ||
      (keys && supported.some((s) => matchPatternList(s, name, false) !== "no-match"));
    // From 10.0 CASignatureAlgorithms takes plain key types only (9.2 accepts a certificate type, then fails).
    const caCertificate = (name: string) =>
      kind === "caKeys" && !opensshAtLeast(openssh, "10.0") && !supported.includes(name);
    let valid = list !== "";
    for (const name of list.split(",")) {
      if (name === "") break;
      if (!known(name) && !caCertificate(name)) valid = false;
    }
    return valid ? undefined : `${message} '${arg}'.`;
  };
}

const KEY_SHORT_NAMES = ["RSA", "DSA", "ECDSA", "ED25519", "ECDSA-SK", "ED25519-SK", "XMSS"];
