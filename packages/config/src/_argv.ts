/**
 * The two tokenisers OpenSSH applies to a config line (misc.c), reproduced quirk for quirk so that this package
 * splits every line exactly as `ssh` and `sshd` do.
 *
 * @module
 */

/** misc.c WHITESPACE: what `strdelim` skips (" \t\r\n"). */
function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** What ends a `strdelim` token: whitespace, `"` (34) or `=` (61). */
function isDelimiter(code: number): boolean {
  return isWhitespace(code) || code === 34 || code === 61;
}

function skipWhitespace(s: string, from: number): number {
  let i = from;
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  return i;
}

/**
 * misc.c `strdelim`: the next token, split on whitespace or one `=`; a `"` starts a quoted token that ends at the
 * next `"` (no escapes). Returns `token: null` where C returns NULL (an unclosed quote), and `rest: null` where C
 * leaves the string pointer NULL (no delimiter found).
 */
export function strdelim(s: string | null): { token: string | null; rest: string | null } {
  if (s === null) return { token: null, rest: null };
  let i = 0;
  while (i < s.length && !isDelimiter(s.charCodeAt(i))) i++;
  if (i === s.length) return { token: s, rest: null };
  if (s[i] === '"') {
    const unquoted = s.slice(0, i) + s.slice(i + 1);
    const close = unquoted.indexOf('"', i);
    if (close === -1) return { token: null, rest: null };
    return { token: unquoted.slice(0, close), rest: unquoted.slice(skipWhitespace(unquoted, close + 1)) };
  }
  // Only one '=' may be skipped: `K = v` and `K=v` work, `K==v` leaves `=v` as the value.
  const sawEquals = s[i] === "=";
  let at = skipWhitespace(s, i + 1);
  if (!sawEquals && s[at] === "=") at = skipWhitespace(s, at + 1);
  return { token: s.slice(0, i), rest: s.slice(at) };
}

const SPECIAL = /[\\"'#]/;
const BLANKS = /[ \t]+/;

/**
 * misc.c `argv_split` with `terminate_on_comment`: tokens separated by spaces and tabs; `"` and `'` quote from
 * anywhere in a token; `\"`, `\'`, `\\` and (outside quotes) `\ ` escape; any other backslash is kept; `#` at the
 * start of a token ends the line. Returns `null` for an unclosed quote (OpenSSH: `invalid quotes`).
 */
export function argvSplit(s: string): string[] | null {
  // Most values hold no quote, backslash or comment: then tokens are just the runs between spaces and tabs.
  if (!SPECIAL.test(s)) return s.split(BLANKS).filter((token) => token !== "");
  const argv: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "#") break;
    let quote = "";
    let arg = "";
    for (; i < s.length; i++) {
      const ch = s[i] as string;
      const next = s[i + 1];
      if (ch === "\\") {
        if (next === "'" || next === '"' || next === "\\" || (quote === "" && next === " ")) {
          i++;
          arg += next;
        } else {
          arg += ch;
        }
      } else if (quote === "" && (ch === " " || ch === "\t")) {
        break;
      } else if (quote === "" && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== "" && ch === quote) {
        quote = "";
      } else {
        arg += ch;
      }
    }
    argv.push(arg);
    if (i >= s.length) {
      if (quote !== "") return null;
      break;
    }
    i++;
  }
  return argv;
}
