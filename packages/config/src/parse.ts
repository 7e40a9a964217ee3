import { argvSplit, strdelim } from "./_argv.ts";
import { badOptionsError, type ConfigIssue, displayName } from "./errors.ts";

/** What a line is: a directive (`Keyword args…`), a comment, or blank. */
export type ConfigLineKind = "directive" | "comment" | "blank";

/** The fields every line has. */
interface LineBase {
  /** 1-based line number. */
  readonly line: number;
  /** The exact text of the line, including its line ending (`\n`, `\r\n` or none on the last line). */
  readonly raw: string;
}

/**
 * A line OpenSSH reads as a directive.
 *
 * `keyword` is as written (OpenSSH also accepts a quoted keyword: `"Port" 22`), `key` is lower-cased ASCII for
 * lookups, `args` are the tokens after it unquoted as `argv_split` does, and `value` is the rest of the line after
 * the keyword and its separator with trailing whitespace removed (what `ProxyCommand` and friends take verbatim).
 */
export interface DirectiveLine extends LineBase {
  readonly kind: "directive";
  readonly keyword: string;
  readonly key: string;
  readonly args: readonly string[];
  readonly value: string;
  /** Set on a line whose grammar is wrong (only in documents parsed with `recover: true`). */
  readonly issue?: ConfigIssue;
}

/**
 * A line OpenSSH skips: it starts with `#` after optional whitespace, or (an OpenSSH quirk) its keyword opens a
 * `"` that never closes.
 */
export interface CommentLine extends LineBase {
  readonly kind: "comment";
}

/** A line with nothing but whitespace (or a lone `=`). */
export interface BlankLine extends LineBase {
  readonly kind: "blank";
}

/** One line of a config file. */
export type ConfigLine = DirectiveLine | CommentLine | BlankLine;

/**
 * A parsed config file: every line kept, so {@linkcode stringifyConfig} gives back the exact text.
 */
export interface ConfigDocument {
  /** The file name used in messages, if any. */
  readonly file: string | undefined;
  readonly lines: readonly ConfigLine[];
  /** Grammar issues found (always empty unless parsed with `recover: true`, which does not throw). */
  readonly issues: readonly ConfigIssue[];
}

/** Options of {@linkcode parseConfig}. */
export interface ParseOptions {
  /** The file name to put in messages and provenance. */
  file?: string | undefined;
  /**
   * Return the document with its grammar issues in `issues` (and on each bad line) instead of throwing. Resolvers
   * use it to report grammar and keyword errors together in line order, as OpenSSH does.
   */
  recover?: boolean | undefined;
}

/**
 * Lower-cases ASCII letters only, as OpenSSH's `lowercase()` does in the C locale.
 *
 * @example
 * ```ts
 * import { asciiLower } from "./parse.ts";
 * asciiLower("ServerAliveInterval"); // "serveraliveinterval"
 * asciiLower("İ"); // "İ" (not an ASCII letter)
 * ```
 */
export function asciiLower(s: string): string {
  // toLowerCase() would also fold non-ASCII letters, which C's tolower() leaves alone.
  return NON_ASCII.test(s) ? s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) : s.toLowerCase();
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Strips what `process_config_line` strips from the end of a line: whitespace and form feeds, never column 0. */
function stripTrailing(s: string): string {
  let end = s.length;
  while (end > 1 && " \t\r\n\f".includes(s[end - 1] as string)) end--;
  return s.slice(0, end);
}

/**
 * Splits text into lines the way `getline` does: each keeps its `\n`; no empty line after a final newline.
 *
 * @example
 * ```ts
 * import { splitLines } from "./parse.ts";
 * splitLines("a\r\nb\n"); // ["a\r\n", "b\n"]
 * ```
 */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 ? text.length : nl + 1;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

/**
 * Parses one line as OpenSSH's `process_config_line` / `process_server_config_line` do before looking at the
 * keyword. Exported for resolvers that evaluate `-o` options, which are single lines. A grammar problem is in
 * `issue` (worded for ssh: the keyword lower-cased in `no argument after keyword`).
 *
 * @example
 * ```ts
 * import { parseLine } from "@tsalive/config";
 * const line = parseLine("ServerAliveInterval=15", 0, "command-line");
 * if (line.kind === "directive") line.args; // ["15"]
 * ```
 */
export function parseLine(raw: string, line: number, file: string | undefined): ConfigLine {
  // C sees the line up to its first NUL byte.
  const nul = raw.indexOf("\0");
  const content = stripTrailing(nul === -1 ? raw : raw.slice(0, nul));
  if (content.length === 0) return { kind: "blank", line, raw };
  let { token: keyword, rest } = strdelim(content);
  if (keyword === "") ({ token: keyword, rest } = strdelim(rest));
  if (keyword === null) return { kind: "comment", line, raw };
  if (keyword === "" || keyword.startsWith("\n")) return { kind: "blank", line, raw };
  if (keyword.startsWith("#")) return { kind: "comment", line, raw };
  const key = asciiLower(keyword);
  const value = rest === null ? "" : rest.replace(/^[ \t\r\n]+/, "");
  if (value === "") {
    const message = `${displayName(file)} line ${line}: no argument after keyword "${key}"`;
    return {
      kind: "directive",
      line,
      raw,
      keyword,
      key,
      value,
      args: [],
      issue: { file, line, keyword, value, message },
    };
  }
  const args = argvSplit(value);
  if (args === null) {
    const message = `${displayName(file)} line ${line}: invalid quotes`;
    return {
      kind: "directive",
      line,
      raw,
      keyword,
      key,
      value,
      args: [],
      issue: { file, line, keyword, value, message },
    };
  }
  return { kind: "directive", line, raw, keyword, key, value, args };
}

/**
 * Parses ssh_config or sshd_config text into a lossless document. Keywords are not checked here (ssh and sshd know
 * different ones); only the grammar shared by both: a keyword with no value (`no argument after keyword`) and an
 * unclosed quote (`invalid quotes`). Like OpenSSH, every bad line is reported before failing.
 *
 * @throws {ConfigError} `CONFIG_INVALID` listing every bad line, unless `recover` is set.
 * @example
 * ```ts
 * import { parseConfig, stringifyConfig } from "@tsalive/config";
 * const text = "Host web # prod\r\n  ServerAliveInterval=15\n";
 * const doc = parseConfig(text, { file: "~/.ssh/config" });
 * const line = doc.lines[1];
 * if (line?.kind === "directive") line.args; // ["15"]
 * stringifyConfig(doc) === text; // true
 * ```
 */
export function parseConfig(text: string, options: ParseOptions = {}): ConfigDocument {
  const file = options.file;
  const lines = splitLines(text).map((raw, index) => parseLine(raw, index + 1, file));
  const issues: ConfigIssue[] = [];
  for (const line of lines) if (line.kind === "directive" && line.issue) issues.push(line.issue);
  if (issues.length > 0 && options.recover !== true) throw badOptionsError(file, issues);
  return { file, lines, issues };
}

/**
 * The exact text of a document: its lines' `raw` joined. `stringifyConfig(parseConfig(text)) === text` for any text.
 *
 * @example
 * ```ts
 * import { parseConfig, stringifyConfig } from "@tsalive/config";
 * stringifyConfig(parseConfig("Port 22\n")); // "Port 22\n"
 * ```
 */
export function stringifyConfig(doc: ConfigDocument): string {
  let text = "";
  for (const line of doc.lines) text += line.raw;
  return text;
}
