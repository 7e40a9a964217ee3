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
 * A time value in seconds, exactly as OpenSSH's misc.c `convtime`: a sum of non-negative decimal integers, each
 * with an optional unit `s`, `m`, `h`, `d` or `w` (either case; none means seconds), so `1h30m` is 5400 and `90`
 * is 90. Each part is read by C `strtol`, so leading whitespace and a `+` sign are accepted, as OpenSSH does.
 * Returns `undefined` where `convtime` returns -1: empty text, a negative or missing number, an unknown unit, or a
 * total above INT_MAX.
 *
 * @example
 * ```ts
 * import { convtime } from "@tsalive/config";
 * convtime("1h30m"); // 5400
 * convtime("5S"); // 5
 * convtime("-1"); // undefined
 * convtime("2147483648"); // undefined
 * ```
 */
export function convtime(s: string): number | undefined {
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

/**
 * Formats seconds the way `ssh -G` and `sshd -T` print a time value: plain seconds.
 *
 * @example
 * ```ts
 * import { formatTime } from "@tsalive/config";
 * formatTime(5400); // "5400"
 * ```
 */
export function formatTime(seconds: number): string {
  return String(seconds);
}
