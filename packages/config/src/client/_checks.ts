import type { OpenSshVersion } from "../openssh_version.ts";
import { convtime } from "../time.ts";

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
