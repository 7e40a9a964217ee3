import { type OpenSshVersion, opensshAtLeast } from "./openssh_version.ts";

/** C's INT_MAX: the largest time value OpenSSH accepts, in seconds. */
export const INT_MAX = 2147483647;

const MULTIPLIERS: ReadonlyMap<string, number> = new Map([
  ["s", 1],
  ["S", 1],
  ["m", 60],
  ["M", 60],
  ["h", 3600],
  ["H", 3600],
  ["d", 86400],
  ["D", 86400],
  ["w", 604800],
  ["W", 604800],
]);

/** C's isspace in the C locale, which `strtol` skips before a number. */
const C_SPACE = " \t\n\v\f\r";

/**
 * A time value in seconds, exactly as OpenSSH's misc.c `convtime` of the given release (default 9.2): a sum of
 * non-negative decimal integers, each with an optional unit `s`, `m`, `h`, `d` or `w` (either case; none means
 * seconds), so `1h30m` is 5400 and `90` is 90. Returns `undefined` where `convtime` returns -1: empty text, a
 * negative or missing number, an unknown unit, or a total above INT_MAX. The releases differ at the edges:
 * - 9.2 reads each part with C `strtol`, so leading whitespace and a `+` sign are accepted;
 * - 10.0 requires each part to start with a digit (`+5` is invalid);
 * - 10.6 also takes decimal seconds (`1.5`, `1m0.5`: truncated to whole seconds) but only one seconds part
 *   (`5s5` is invalid).
 *
 * @example
 * ```ts
 * import { convtime } from "./_time.ts";
 * convtime("1h30m"); // 5400
 * convtime("5S"); // 5
 * convtime("-1"); // undefined
 * convtime("2147483648"); // undefined
 * convtime("+5", "10.0"); // undefined
 * convtime("1.5", "10.6"); // 1
 * ```
 */
export function convtime(s: string, openssh: OpenSshVersion = "9.2"): number | undefined {
  if (opensshAtLeast(openssh, "10.5")) return convtimeDecimal(s);
  if (opensshAtLeast(openssh, "9.6")) return convtimeDigits(s);
  if (s.length === 0) return undefined;
  let total = 0;
  let p = 0;
  while (p < s.length) {
    // strtol(p, &endp, 10)
    let i = p;
    while (i < s.length && C_SPACE.includes(s[i] as string)) i++;
    let negative = false;
    if (s[i] === "+" || s[i] === "-") {
      negative = s[i] === "-";
      i++;
    }
    const digitsStart = i;
    while (i < s.length && (s[i] as string) >= "0" && (s[i] as string) <= "9") i++;
    if (i === digitsStart) return undefined; // p == endp: no number
    // Beyond INT_MAX the exact size no longer matters: every such value is rejected below.
    const digits = s.slice(digitsStart, i).replace(/^0+(?=\d)/, "");
    let secs = digits.length > 12 ? Number.MAX_SAFE_INTEGER : Number(digits);
    if (negative) secs = -secs;
    if (secs < 0) return undefined;
    let multiplier = 1;
    if (i < s.length) {
      const unit = MULTIPLIERS.get(s[i] as string);
      if (unit === undefined) return undefined;
      multiplier = unit;
      i++;
    }
    if (secs > Math.trunc(INT_MAX / multiplier)) return undefined;
    secs *= multiplier;
    if (total > INT_MAX - secs) return undefined;
    total += secs;
    p = i;
  }
  return total;
}

/** 10.0's convtime: scandigits + strtonum, so each part is digits and an optional unit. */
function convtimeDigits(s: string): number | undefined {
  if (s.length === 0) return undefined;
  let total = 0;
  for (const part of s.matchAll(/([0-9]*)([^0-9]?)/gy)) {
    if (part[0] === "") break;
    const digits = part[1] as string;
    if (digits === "" || digits.replace(/^0+(?=\d)/, "").length > 10) return undefined;
    const secs = Number(digits);
    if (secs > INT_MAX) return undefined;
    const unit = part[2] === "" ? 1 : MULTIPLIERS.get(part[2] as string);
    if (unit === undefined) return undefined;
    if (secs > Math.trunc(INT_MAX / unit)) return undefined;
    if (total > INT_MAX - secs * unit) return undefined;
    total += secs * unit;
  }
  return total;
}

/** 10.6's convtime_double: decimal forms, fractions for seconds only, one seconds part; the total truncated. */
function convtimeDecimal(s: string): number | undefined {
  if (s.length === 0) return undefined;
  let total = 0;
  let seenSeconds = false;
  let p = 0;
  while (p < s.length) {
    const start = p;
    while (p < s.length && "0123456789.".includes(s[p] as string)) p++;
    const number = s.slice(start, p);
    // strtod must read exactly the digits and dots: one dot at most, and at least one digit.
    if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(number)) return undefined;
    const unit = s[p];
    let multiplier: number;
    if (unit === undefined || unit === "s" || unit === "S") {
      if (seenSeconds) return undefined;
      seenSeconds = true;
      multiplier = 1;
    } else {
      const m = MULTIPLIERS.get(unit);
      if (m === undefined) return undefined;
      multiplier = m;
    }
    if (number.includes(".") && (multiplier > 1 || number.endsWith("."))) return undefined;
    total += Number(number) * multiplier;
    if (unit !== undefined) p++;
  }
  return total > INT_MAX ? undefined : Math.trunc(total);
}

/**
 * Formats seconds the way `ssh -G` and `sshd -T` print a time value: plain seconds.
 *
 * @example
 * ```ts
 * import { formatTime } from "./_time.ts";
 * formatTime(5400); // "5400"
 * ```
 */
export function formatTime(seconds: number): string {
  return String(seconds);
}
