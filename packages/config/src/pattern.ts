/**
 * OpenSSH's match.c pattern matching: `*` matches any run of characters (also none), `?` exactly one, nothing
 * else is special. Matching is on UTF-8 bytes, as in C, so `?` is one byte of a non-ASCII character.
 *
 * @module
 */

const textEncoder = new TextEncoder();

/** The string as C sees it: one UTF-16 code unit per UTF-8 byte (ASCII strings pass through unchanged). */
function bytes(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  let out = "";
  for (const byte of textEncoder.encode(s)) out += String.fromCharCode(byte);
  return out;
}

function matchAt(s: string, si: number, p: string, pi: number): boolean {
  for (;;) {
    if (pi === p.length) return si === s.length;
    if (p[pi] === "*") {
      while (p[pi] === "*") pi++;
      if (pi === p.length) return true;
      const next = p[pi];
      if (next !== "?") {
        // The next pattern character is literal: try only where the string has it (match.c's optimisation).
        for (; si < s.length; si++) if (s[si] === next && matchAt(s, si + 1, p, pi + 1)) return true;
        return false;
      }
      for (; si < s.length; si++) if (matchAt(s, si, p, pi)) return true;
      return false;
    }
    if (si === s.length) return false;
    if (p[pi] !== "?" && p[pi] !== s[si]) return false;
    si++;
    pi++;
  }
}

/**
 * Whether `s` matches the shell-style `pattern` (match.c `match_pattern`): `*` any run, `?` exactly one
 * character, case-sensitive, no other metacharacters (commas and `!` are literal here).
 *
 * @example
 * ```ts
 * import { matchPattern } from "@tsalive/config/unstable";
 * matchPattern("web1", "web?"); // true
 * matchPattern("web", "web?"); // false
 * matchPattern("Web1", "web*"); // false
 * ```
 */
export function matchPattern(s: string, pattern: string): boolean {
  return matchAt(bytes(s), 0, bytes(pattern), 0);
}

/**
 * The result of a pattern list: `"match"` (a pattern matched), `"no-match"`, or `"negated"` (a `!pattern`
 * matched, which wins over any positive match). OpenSSH's match.c returns 1, 0 and -1 for these.
 */
export type PatternListResult = "match" | "no-match" | "negated";

/**
 * Matches `s` against a comma-separated pattern list (match.c `match_pattern_list`): any `!pattern` that matches
 * makes the result `"negated"` (whatever else matches); otherwise `"match"` if some pattern matches, else
 * `"no-match"`. With
 * `lowercase`, the patterns are lower-cased first (callers then pass a lower-cased `s`, as `match_hostname` does).
 * A single pattern of 1023 bytes or more never matches, as in OpenSSH's fixed buffer.
 *
 * @example
 * ```ts
 * import { matchPatternList } from "@tsalive/config/unstable";
 * matchPatternList("web1", "web*,!web2", false); // "match"
 * matchPatternList("web2", "web*,!web2", false); // "negated"
 * matchPatternList("db", "web*", false); // "no-match"
 * ```
 */
export function matchPatternList(s: string, patterns: string, lowercase: boolean): PatternListResult {
  const subject = bytes(s);
  const list = bytes(patterns);
  let gotPositive = false;
  let i = 0;
  while (i < list.length) {
    let negated = false;
    if (list[i] === "!") {
      negated = true;
      i++;
    }
    let end = list.indexOf(",", i);
    if (end === -1) end = list.length;
    let sub = list.slice(i, end);
    if (sub.length >= 1023) return "no-match";
    if (lowercase) sub = sub.replace(/[A-Z]/g, (c) => c.toLowerCase());
    i = end < list.length ? end + 1 : end;
    if (matchAt(subject, 0, sub, 0)) {
      if (negated) return "negated";
      gotPositive = true;
    }
  }
  return gotPositive ? "match" : "no-match";
}

/**
 * Matches a host name against a pattern list case-insensitively (match.c `match_hostname`): the name and the
 * patterns are lower-cased, then {@linkcode matchPatternList}. Used by `Match host` and `Match originalhost`.
 *
 * @example
 * ```ts
 * import { matchHostname } from "@tsalive/config/unstable";
 * matchHostname("Web1.Example.COM", "*.example.com"); // "match"
 * ```
 */
export function matchHostname(host: string, patterns: string): PatternListResult {
  return matchPatternList(
    host.replace(/[A-Z]/g, (c) => c.toLowerCase()),
    patterns,
    true,
  );
}
