import { ConfigError, MAX_INCLUDE_MATCHES } from "./errors.ts";
import type { ConfigFileSystem } from "./fs.ts";

/** Whether a glob component has an unescaped `*`, `?` or `[`. */
function hasMagic(component: string): boolean {
  for (let i = 0; i < component.length; i++) {
    const c = component[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?" || c === "[") return true;
  }
  return false;
}

function removeEscapes(component: string): string {
  return component.replace(/\\(.)/gs, "$1");
}

const CLASSES: Readonly<Record<string, RegExp>> = {
  alnum: /[A-Za-z0-9]/,
  alpha: /[A-Za-z]/,
  blank: /[ \t]/,
  // biome-ignore lint/suspicious/noControlCharactersInRegex: POSIX cntrl is the control characters
  cntrl: /[\x00-\x1f\x7f]/,
  digit: /[0-9]/,
  graph: /[!-~]/,
  lower: /[a-z]/,
  print: /[ -~]/,
  punct: /[!-/:-@[-`{-~]/,
  space: /[ \t\n\v\f\r]/,
  upper: /[A-Z]/,
  xdigit: /[0-9A-Fa-f]/,
};

/** Matches a bracket expression at `p[pi]` (just after `[`) against `c`; returns the index after `]`, or -1. */
function bracket(p: string, pi: number, c: string): { end: number; matched: boolean } | undefined {
  let i = pi;
  let negate = false;
  if (p[i] === "!" || p[i] === "^") {
    negate = true;
    i++;
  }
  let matched = false;
  let first = true;
  while (i < p.length && (p[i] !== "]" || first)) {
    first = false;
    if (p[i] === "[" && p[i + 1] === ":") {
      const close = p.indexOf(":]", i + 2);
      const cls = close === -1 ? undefined : CLASSES[p.slice(i + 2, close)];
      if (cls) {
        if (cls.test(c)) matched = true;
        i = close + 2;
        continue;
      }
    }
    let lo = p[i] as string;
    if (lo === "\\" && i + 1 < p.length) lo = p[++i] as string;
    i++;
    if (p[i] === "-" && i + 1 < p.length && p[i + 1] !== "]") {
      let hi = p[i + 1] as string;
      i += 2;
      if (hi === "\\" && i < p.length) hi = p[i++] as string;
      if (c >= lo && c <= hi) matched = true;
    } else if (c === lo) {
      matched = true;
    }
  }
  if (i >= p.length) return undefined; // no closing ']': the '[' is literal
  return { end: i + 1, matched: matched !== negate };
}

/**
 * fnmatch(3) for one path component with FNM_PERIOD, as glob(3) matches directory entries: `*`, `?`, `[…]`
 * (with `!`/`^`, ranges and `[:class:]`), backslash escapes; a leading `.` must be matched literally.
 *
 * @example
 * ```ts
 * import { fnmatch } from "./_glob.ts";
 * fnmatch("*.conf", "a.conf"); // true
 * fnmatch("*.conf", ".a.conf"); // false
 * ```
 */
export function fnmatch(pattern: string, name: string): boolean {
  if (name.startsWith(".") && !pattern.startsWith(".") && !pattern.startsWith("\\.")) return false;
  const go = (pi: number, ni: number): boolean => {
    while (pi < pattern.length) {
      const c = pattern[pi];
      if (c === "*") {
        while (pattern[pi] === "*") pi++;
        if (pi === pattern.length) return true;
        for (let k = ni; k <= name.length; k++) if (go(pi, k)) return true;
        return false;
      }
      if (ni >= name.length) return false;
      if (c === "?") {
        pi++;
        ni++;
        continue;
      }
      if (c === "[") {
        const b = bracket(pattern, pi + 1, name[ni] as string);
        if (b) {
          if (!b.matched) return false;
          pi = b.end;
          ni++;
          continue;
        }
      }
      let literal = c as string;
      if (c === "\\" && pi + 1 < pattern.length) literal = pattern[++pi] as string;
      if (literal !== name[ni]) return false;
      pi++;
      ni++;
    }
    return ni === name.length;
  };
  return go(0, 0);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Expands an `Include` path as OpenSSH's `glob(arg, GLOB_TILDE)` does: a leading `~` or `~/` is `home`; `*`,
 * `?` and `[…]` match within one path component and never a leading `.`; matches come back in lexical (byte)
 * order. A path without wildcards comes back only if it exists. No match is an empty list, not an error.
 *
 * @example
 * ```ts
 * import { memoryFileSystem } from "@tsalive/config";
 * import { expandIncludeGlob } from "./_glob.ts";
 * const fs = memoryFileSystem({ "/h/.ssh/conf.d/b.conf": "", "/h/.ssh/conf.d/a.conf": "", "/h/.ssh/conf.d/.x.conf": "" });
 * expandIncludeGlob("~/.ssh/conf.d/*.conf", fs, "/h"); // ["/h/.ssh/conf.d/a.conf", "/h/.ssh/conf.d/b.conf"]
 * ```
 */
export function expandIncludeGlob(pattern: string, fs: ConfigFileSystem, home: string): string[] {
  let path = pattern;
  if (path === "~" || path.startsWith("~/")) path = home + path.slice(1);
  if (!path.startsWith("/")) return [];
  const components = path.split("/").slice(1);
  let candidates: string[] = [""];
  for (let index = 0; index < components.length; index++) {
    const component = components[index] as string;
    const last = index === components.length - 1;
    if (component === "") {
      // `a//b` and a trailing `/`: the same directory.
      continue;
    }
    const next: string[] = [];
    for (const base of candidates) {
      const dir = base === "" ? "/" : base;
      if (!hasMagic(component)) {
        next.push(`${base}/${removeEscapes(component)}`);
        continue;
      }
      const entries = fs.readDir(dir);
      if (!entries) continue;
      for (const name of entries) if (fnmatch(component, name)) next.push(`${base}/${name}`);
      if (next.length > MAX_INCLUDE_MATCHES) {
        const message = `Include ${pattern} matches more than ${MAX_INCLUDE_MATCHES} files`;
        throw new ConfigError("CONFIG_LIMIT", message, [
          { file: undefined, line: 0, keyword: "Include", value: undefined, message },
        ]);
      }
    }
    candidates = last
      ? next
      : next.filter((candidate) => !hasMagic(components[index + 1] ?? "") || fs.readDir(candidate) !== undefined);
  }
  const existing = candidates
    .map((candidate) => (candidate === "" ? "/" : candidate) + (path.endsWith("/") && candidate !== "" ? "/" : ""))
    .filter((candidate) =>
      // stat, where there is one: reading a FIFO or a device here would block or never end.
      fs.stat
        ? fs.stat(candidate) !== undefined
        : fs.readFile(candidate) !== undefined || fs.readDir(candidate.replace(/\/$/, "") || "/") !== undefined,
    );
  return existing.sort(byteOrder);
}
