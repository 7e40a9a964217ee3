import {
  type ConfigDocument,
  type ConfigLine,
  type DirectiveLine,
  parseConfig,
  parseLine,
  stringifyConfig,
} from "./parse.ts";

/**
 * Which block an edit applies to: `undefined` for the lines before the first `Host`/`Match`, or the block's header
 * as written in the file, compared by keyword (any case) and arguments: `"Host web"`, `"Match host x user y"`.
 */
export type BlockSelector = string | undefined;

/**
 * Quotes an argument so OpenSSH reads it back unchanged: empty values, whitespace, quotes, backslashes, a leading
 * `#` (a comment) or a leading `=` (eaten as a separator) need double quotes.
 *
 * @example
 * ```ts
 * import { quoteArgument } from "@tsalive/config";
 * quoteArgument("plain"); // "plain"
 * quoteArgument("~/my key"); // "\"~/my key\""
 * ```
 */
export function quoteArgument(arg: string): string {
  if (arg !== "" && !/[\s"'\\]/.test(arg) && !arg.startsWith("#") && !arg.startsWith("=")) return arg;
  return `"${arg.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function formatValue(value: string | readonly string[]): string {
  const args = typeof value === "string" ? [value] : value;
  const bad = args.find((arg) => /[\r\n\0]/.test(arg));
  if (bad !== undefined) {
    throw new RangeError(
      `Cannot write a config value: "value" must not contain a line break or NUL, received ${JSON.stringify(bad)}`,
    );
  }
  return typeof value === "string" ? quoteArgument(value) : value.map(quoteArgument).join(" ");
}

function isHeader(line: ConfigLine): line is DirectiveLine {
  return line.kind === "directive" && (line.key === "host" || line.key === "match");
}

/** The index range [start, end) of the block's lines, header included; `undefined` if there is no such block. */
function findBlock(
  lines: readonly ConfigLine[],
  block: BlockSelector,
): { start: number; end: number; header?: number } | undefined {
  if (block === undefined) {
    const end = lines.findIndex(isHeader);
    return { start: 0, end: end === -1 ? lines.length : end };
  }
  const wanted = parseLine(block, 0, undefined);
  if (wanted.kind !== "directive") return undefined;
  const header = lines.findIndex(
    (line) =>
      isHeader(line) &&
      line.key === wanted.key &&
      line.args.length === wanted.args.length &&
      line.args.every((arg, i) => arg === wanted.args[i]),
  );
  if (header === -1) return undefined;
  let end = lines.findIndex((line, i) => i > header && isHeader(line));
  if (end === -1) end = lines.length;
  return { start: header + 1, end, header };
}

function lineEnding(doc: ConfigDocument): string {
  return doc.lines.some((line) => line.raw.endsWith("\r\n")) ? "\r\n" : "\n";
}

function ending(raw: string): string {
  return raw.endsWith("\r\n") ? "\r\n" : raw.endsWith("\n") ? "\n" : "";
}

/** Where a `#` comment starts in a directive's value (argv_split's rule: at the start of a token), or -1. */
function commentStart(value: string): number {
  let quote = "";
  let tokenStart = true;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote === "" && (c === " " || c === "\t")) {
      tokenStart = true;
      continue;
    }
    if (tokenStart && quote === "" && c === "#") return i;
    tokenStart = false;
    if (c === "\\") i++;
    else if (quote === "" && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = "";
  }
  return -1;
}

function rebuild(doc: ConfigDocument, lines: readonly string[]): ConfigDocument {
  return parseConfig(lines.join(""), { file: doc.file, recover: true });
}

/**
 * Sets a keyword in a block, touching nothing else: the first line of the keyword in the block gets the new value
 * (its indentation, keyword spelling, separator and trailing comment kept); if the block has none, a line is added
 * after the block's last directive, indented like its neighbours. Returns a new document.
 *
 * @throws {RangeError} when `block` names a block the document does not have.
 * @example
 * ```ts
 * import { parseConfig, setKeyword, stringifyConfig } from "@tsalive/config";
 * const doc = parseConfig("Host web # prod\n  ServerAliveInterval 60  # tuned\n");
 * stringifyConfig(setKeyword(doc, "ServerAliveInterval", "15", "Host web"));
 * // "Host web # prod\n  ServerAliveInterval 15  # tuned\n"
 * ```
 */
export function setKeyword(
  doc: ConfigDocument,
  keyword: string,
  value: string | readonly string[],
  block?: BlockSelector,
): ConfigDocument {
  const range = findBlock(doc.lines, block);
  if (!range)
    throw new RangeError(
      `Cannot set ${keyword}: "block" must name a block of the file, received ${JSON.stringify(block)}`,
    );
  const key = keyword.toLowerCase();
  const raws = doc.lines.map((line) => line.raw);
  const formatted = formatValue(value);
  for (let i = range.start; i < range.end; i++) {
    const line = doc.lines[i] as ConfigLine;
    if (line.kind !== "directive" || line.key !== key) continue;
    const eol = ending(line.raw);
    const content = line.raw.slice(0, line.raw.length - eol.length);
    // The parsed value is a suffix of the line once trailing whitespace is stripped (strdelim only cuts the front).
    const stripped = content.replace(/(?<=.)[ \t\r\n\f]+$/s, "");
    const at = stripped.length - line.value.length;
    const comment = commentStart(line.value);
    let trailing = "";
    if (comment !== -1) {
      const spaces = /[ \t]*$/.exec(line.value.slice(0, comment))?.[0].length ?? 0;
      trailing = content.slice(at + comment - spaces);
    }
    raws[i] = `${content.slice(0, at)}${formatted}${trailing}${eol}`;
    return rebuild(doc, raws);
  }
  const directives = doc.lines.slice(range.start, range.end).filter((l): l is DirectiveLine => l.kind === "directive");
  const indent = directives[0]?.raw.match(/^[ \t]*/)?.[0] ?? (range.header === undefined ? "" : "  ");
  const last = directives[directives.length - 1];
  const insertAt = last ? doc.lines.indexOf(last) + 1 : range.start;
  const eol = lineEnding(doc);
  const before = raws[insertAt - 1];
  if (before !== undefined && ending(before) === "") raws[insertAt - 1] = before + eol;
  raws.splice(insertAt, 0, `${indent}${keyword} ${formatted}${eol}`);
  return rebuild(doc, raws);
}

/**
 * Removes every line of a keyword in a block (all of them, so no later line takes over unnoticed). Returns a new
 * document; the same document content if there was none.
 *
 * @example
 * ```ts
 * import { parseConfig, removeKeyword, stringifyConfig } from "@tsalive/config";
 * const doc = parseConfig("Host web\n  Port 2222\n  User me\n");
 * stringifyConfig(removeKeyword(doc, "port", "Host web")); // "Host web\n  User me\n"
 * ```
 */
export function removeKeyword(doc: ConfigDocument, keyword: string, block?: BlockSelector): ConfigDocument {
  const range = findBlock(doc.lines, block);
  if (!range) return doc;
  const key = keyword.toLowerCase();
  const raws = doc.lines
    .filter((line, i) => !(i >= range.start && i < range.end && line.kind === "directive" && line.key === key))
    .map((line) => line.raw);
  return rebuild(doc, raws);
}

/**
 * Appends a block (`Host …` or `Match …`) with its settings at the end of the file, after a blank line; the rest
 * of the file is untouched.
 *
 * @example
 * ```ts
 * import { addBlock, parseConfig, stringifyConfig } from "@tsalive/config";
 * const doc = parseConfig("Host *\n  ServerAliveInterval 60\n");
 * stringifyConfig(addBlock(doc, "Host db", [["HostName", "db.example.com"], ["ServerAliveInterval", "15"]]));
 * // "Host *\n  ServerAliveInterval 60\n\nHost db\n  HostName db.example.com\n  ServerAliveInterval 15\n"
 * ```
 */
export function addBlock(
  doc: ConfigDocument,
  header: string,
  settings: readonly (readonly [keyword: string, value: string | readonly string[]])[],
): ConfigDocument {
  const eol = lineEnding(doc);
  const raws = doc.lines.map((line) => line.raw);
  const last = raws[raws.length - 1];
  if (last !== undefined && ending(last) === "") raws[raws.length - 1] = last + eol;
  const lastLine = doc.lines[doc.lines.length - 1];
  if (lastLine && lastLine.kind !== "blank") raws.push(eol);
  raws.push(`${header}${eol}`);
  for (const [keyword, value] of settings) raws.push(`  ${keyword} ${formatValue(value)}${eol}`);
  return rebuild(doc, raws);
}

export { stringifyConfig };
