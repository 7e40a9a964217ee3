/**
 * The options before a key in an authorized_keys line, read as OpenSSH 9.2's auth-options.c `sshauthopt_parse`
 * reads them: flags and `name="value"` pairs separated by commas, names case-insensitive, `\"` inside quotes, the
 * first unquoted blank ends them. Anything else fails with sshd's reason, and sshd then skips the line.
 *
 * @module
 */

/** What an authorized_keys line's options allow and require (auth-options.h `struct sshauthopt`). */
export interface KeyOptions {
  readonly restricted: boolean;
  readonly certAuthority: boolean;
  readonly permitPortForwarding: boolean;
  readonly permitAgentForwarding: boolean;
  readonly permitX11Forwarding: boolean;
  readonly permitPty: boolean;
  readonly permitUserRc: boolean;
  /** `command="…"`: run this instead of what the client asks for. */
  readonly forceCommand: string | undefined;
  /** `principals="…"` (certificates only). */
  readonly principals: string | undefined;
  /** `from="…"`: a pattern list the client's address (or name) must match. */
  readonly from: string | undefined;
  /** `expiry-time="…"`: seconds since the epoch after which the line no longer grants access. */
  readonly validBefore: number | undefined;
  /** `environment="NAME=value"`, first of each name wins, in order. */
  readonly environment: readonly string[];
  /** `permitopen="host:port"`: where `-L` may connect (none given: anywhere). */
  readonly permitOpen: readonly string[];
  /** `permitlisten="[host:]port"`: where `-R` may listen. */
  readonly permitListen: readonly string[];
  /** `tunnel="n"`. */
  readonly tunnel: string | undefined;
  readonly requireVerify: boolean;
  readonly noRequireUserPresence: boolean;
}

/** A line's options, or sshd's reason for refusing them (`bad key options: REASON`). */
export type KeyOptionsResult = { readonly options: KeyOptions } | { readonly error: string };

/** sshd's defaults for a key without options (`sshauthopt_new_with_keys_defaults`). */
export const DEFAULT_KEY_OPTIONS: KeyOptions = {
  restricted: false,
  certAuthority: false,
  permitPortForwarding: true,
  permitAgentForwarding: true,
  permitX11Forwarding: true,
  permitPty: true,
  permitUserRc: true,
  forceCommand: undefined,
  principals: undefined,
  from: undefined,
  validBefore: undefined,
  environment: [],
  permitOpen: [],
  permitListen: [],
  tunnel: undefined,
  requireVerify: false,
  noRequireUserPresence: false,
};

const PERMIT_MAX = 4096;
const ENV_MAX = 1024;

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

class OptionError {
  constructor(readonly reason: string) {}
}

/** A cursor over the option text, as the C code walks a `const char *`. */
class Cursor {
  constructor(
    readonly text: string,
    public at = 0,
  ) {}
  get char(): string {
    return this.text[this.at] ?? "";
  }
  startsWith(word: string): boolean {
    return this.text.slice(this.at, this.at + word.length).toLowerCase() === word;
  }
}

/** misc.c opt_flag: `opt`, or `no-opt` when negatable; 1, 0 (negated) or -1 (not this option). */
function flag(cursor: Cursor, name: string, negatable: boolean): 1 | 0 | -1 {
  let at = cursor.at;
  let negated = false;
  if (negatable && cursor.text.slice(at, at + 3).toLowerCase() === "no-") {
    at += 3;
    negated = true;
  }
  if (cursor.text.slice(at, at + name.length).toLowerCase() !== name) return -1;
  cursor.at = at + name.length;
  return negated ? 0 : 1;
}

/** The flag options in sshauthopt_parse's order (the order matters: names are matched as prefixes). */
const FLAGS: readonly (readonly [string, boolean, (opts: Mutable<KeyOptions>, on: boolean) => void])[] = [
  [
    "restrict",
    false,
    (o) => {
      o.restricted = true;
      o.permitPortForwarding = false;
      o.permitAgentForwarding = false;
      o.permitX11Forwarding = false;
      o.permitPty = false;
      o.permitUserRc = false;
    },
  ],
  [
    "cert-authority",
    false,
    (o, on) => {
      o.certAuthority = on;
    },
  ],
  [
    "port-forwarding",
    true,
    (o, on) => {
      o.permitPortForwarding = on;
    },
  ],
  [
    "agent-forwarding",
    true,
    (o, on) => {
      o.permitAgentForwarding = on;
    },
  ],
  [
    "x11-forwarding",
    true,
    (o, on) => {
      o.permitX11Forwarding = on;
    },
  ],
  [
    "touch-required",
    true,
    (o, on) => {
      o.noRequireUserPresence = !on;
    },
  ],
  [
    "verify-required",
    true,
    (o, on) => {
      o.requireVerify = on;
    },
  ],
  [
    "pty",
    true,
    (o, on) => {
      o.permitPty = on;
    },
  ],
  [
    "user-rc",
    true,
    (o, on) => {
      o.permitUserRc = on;
    },
  ],
];

/** misc.c opt_match: `name=` (case-insensitive). */
function named(cursor: Cursor, name: string): boolean {
  if (!cursor.startsWith(name) || cursor.text[cursor.at + name.length] !== "=") return false;
  cursor.at += name.length + 1;
  return true;
}

/** misc.c opt_dequote: a `"`-quoted value where `\"` stands for `"`. */
function dequote(cursor: Cursor): string {
  if (cursor.char !== '"') throw new OptionError("missing start quote");
  let at = cursor.at + 1;
  let value = "";
  const { text } = cursor;
  while (at < text.length && text[at] !== '"') {
    if (text[at] === "\\" && text[at + 1] === '"') at++;
    value += text[at];
    at++;
  }
  if (at >= text.length) throw new OptionError("missing end quote");
  cursor.at = at + 1;
  return value;
}

/** misc.c a2port: 1..65535, else invalid. */
function validPort(text: string): boolean {
  if (!/^[0-9]+$/.test(text)) return false;
  const port = Number(text);
  return port > 0 && port <= 65535;
}

/** auth-options.c handle_permit: validate `host:port` (port `*` allowed), a bare port when `bare` (permitlisten). */
function permit(cursor: Cursor, bare: boolean, list: string[]): void {
  if (list.length > PERMIT_MAX) throw new OptionError("too many permission directives");
  let value = dequote(cursor);
  if (bare && !value.includes(":")) value = `*:${value}`;
  const split = hpdelim2(value);
  if (split === undefined || split.host.length >= 1025) throw new OptionError("invalid permission hostname");
  if (split.rest === undefined || (split.rest !== "*" && !validPort(split.rest)))
    throw new OptionError("invalid permission port");
  list.push(value);
}

/** misc.c hpdelim2: the host (brackets kept off) and what follows the first `:` or `/` after it. */
export function hpdelim2(text: string): { host: string; rest: string | undefined } | undefined {
  if (text === "") return undefined;
  let end: number;
  let host: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    host = text.slice(1, close);
    end = close + 1;
    const next = text[end];
    if (next === undefined) return { host, rest: undefined };
    if (next !== ":" && next !== "/") return undefined;
  } else {
    const at = text.search(/[:/]/);
    end = at === -1 ? text.length : at;
    host = text.slice(0, end);
    if (at === -1) return { host, rest: undefined };
  }
  return { host, rest: text.slice(end + 1) };
}

/** misc.c valid_env_name: letters, digits and `_`, at least one. */
function validEnvName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

/**
 * misc.c parse_absolute_time: `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, local time unless it ends in `Z` or
 * `UTC` (any case). Seconds since the epoch, or `undefined` when malformed.
 *
 * @example
 * ```ts
 * import { parseAbsoluteTime } from "./auth_options.ts";
 * parseAbsoluteTime("20300101Z"); // 1893456000
 * ```
 */
export function parseAbsoluteTime(text: string): number | undefined {
  let body = text;
  let utc = false;
  if (body.length > 1 && body.slice(-1).toLowerCase() === "z") {
    utc = true;
    body = body.slice(0, -1);
  } else if (body.length > 3 && body.slice(-3).toLowerCase() === "utc") {
    utc = true;
    body = body.slice(0, -3);
  }
  if (![8, 12, 14].includes(body.length) || !/^[0-9]+$/.test(body)) return undefined;
  const n = (from: number, to: number) => Number(body.slice(from, to) || "0");
  const [year, month, day, hour, minute, second] = [n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14)];
  // strptime's ranges: %m 1-12, %d 1-31, %H 0-23, %M 0-59, %S 0-60.
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = utc
    ? Date.UTC(year, month - 1, day, hour, minute, second)
    : new Date(year, month - 1, day, hour, minute, second).getTime();
  const seconds = Math.floor(ms / 1000);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/**
 * Reads the options of an authorized_keys line (the text before the key, up to the first unquoted blank), as
 * sshd's `sshauthopt_parse` does, including its quirks: a flag name is matched as a prefix (`restrictx` fails
 * later with `unknown key option`), `no-` negates the negatable flags, `expiry-time` keeps the earliest time.
 *
 * @example
 * ```ts
 * import { parseKeyOptions } from "./auth_options.ts";
 * parseKeyOptions('restrict,pty,command="uptime"'); // { options: { restricted: true, permitPty: true, forceCommand: "uptime", … } }
 * parseKeyOptions("bogus"); // { error: "unknown key option" }
 * ```
 */
export function parseKeyOptions(text: string | undefined): KeyOptionsResult {
  const opts: Mutable<KeyOptions> = {
    ...DEFAULT_KEY_OPTIONS,
    environment: [],
    permitOpen: [],
    permitListen: [],
  };
  if (text === undefined) return { options: opts };
  const cursor = new Cursor(text);
  const blank = () => cursor.char === "" || cursor.char === " " || cursor.char === "\t";
  try {
    while (!blank()) {
      let on = false;
      const flagged = FLAGS.find(([name, negatable]) => {
        const r = flag(cursor, name, negatable);
        on = r === 1;
        return r !== -1;
      });
      if (flagged !== undefined) flagged[2](opts, on);
      else if (named(cursor, "command")) {
        if (opts.forceCommand !== undefined) throw new OptionError('multiple "command" clauses');
        opts.forceCommand = dequote(cursor);
      } else if (named(cursor, "principals")) {
        if (opts.principals !== undefined) throw new OptionError('multiple "principals" clauses');
        opts.principals = dequote(cursor);
      } else if (named(cursor, "from")) {
        if (opts.from !== undefined) throw new OptionError('multiple "from" clauses');
        opts.from = dequote(cursor);
      } else if (named(cursor, "expiry-time")) {
        const time = parseAbsoluteTime(dequote(cursor));
        if (time === undefined || time === 0) throw new OptionError("invalid expires time");
        if (opts.validBefore === undefined || time < opts.validBefore) opts.validBefore = time;
      } else if (named(cursor, "environment")) {
        if (opts.environment.length > ENV_MAX) throw new OptionError("too many environment strings");
        const value = dequote(cursor);
        const eq = value.indexOf("=");
        if (eq === -1 || !validEnvName(value.slice(0, eq))) throw new OptionError("invalid environment string");
        const name = value.slice(0, eq + 1);
        if (!opts.environment.some((e) => e.startsWith(name))) opts.environment.push(value);
      } else if (named(cursor, "permitopen")) permit(cursor, false, opts.permitOpen);
      else if (named(cursor, "permitlisten")) permit(cursor, true, opts.permitListen);
      else if (named(cursor, "tunnel")) {
        const value = dequote(cursor);
        if (!/^([0-9]+|any)$/i.test(value)) throw new OptionError("invalid tun device");
        opts.tunnel = value;
      }
      if (blank()) break;
      if (cursor.char !== ",") throw new OptionError("unknown key option");
      cursor.at++;
      if (cursor.at >= cursor.text.length) throw new OptionError("unexpected end-of-options");
    }
  } catch (error) {
    if (error instanceof OptionError) return { error: error.reason };
    throw error;
  }
  return { options: opts };
}

/**
 * misc.c sshkey_advance_past_options: the index of the first unquoted blank (`\"` does not toggle quoting), or
 * -1 when a quote is left open at the end of the line (`invalid key option string`).
 */
export function endOfOptions(line: string): number {
  let quoted = false;
  let at = 0;
  for (; at < line.length && (quoted || (line[at] !== " " && line[at] !== "\t")); at++) {
    if (line[at] === "\\" && line[at + 1] === '"') at++;
    else if (line[at] === '"') quoted = !quoted;
  }
  return at >= line.length && quoted ? -1 : at;
}
