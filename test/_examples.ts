/**
 * Finds the code examples a user reads: every ```ts block of a package README and every ```ts block inside a doc
 * comment (`@example`) of its sources. A block fenced ```ts no-run is type-checked but not run; its first line
 * says why (`// no-run: needs a real SSH server`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One example, with where it was written. */
export interface Example {
  /** The package folder, e.g. `packages/core`. */
  readonly dir: string;
  /** `README.md` or the source file, relative to the package folder. */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** Whether the block is run as well as type-checked. */
  readonly run: boolean;
  readonly code: string;
}

const FENCE = /^```ts( no-run)?\s*$/;

function fromLines(lines: readonly string[], dir: string, file: string, strip: (line: string) => string): Example[] {
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(strip(lines[i] ?? ""));
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && strip(lines[j] ?? "").trimEnd() !== "```") body.push(strip(lines[j++] ?? ""));
    found.push({ dir, file, line: i + 1, run: open[1] === undefined, code: `${body.join("\n")}\n` });
    i = j;
  }
  return found;
}

/** The ```ts blocks of a markdown file. */
export function markdownExamples(dir: string, file: string, text: string): Example[] {
  return fromLines(text.split("\n"), dir, file, (line) => line);
}

/** The ```ts blocks inside the doc comments of a source file (the ` * ` prefix removed). */
export function docExamples(dir: string, file: string, text: string): Example[] {
  const lines = text.split("\n");
  const inComment: string[] = [];
  let open = false;
  for (const line of lines) {
    if (/^\s*\/\*\*/.test(line)) open = true;
    inComment.push(open ? line : "");
    if (line.includes("*/")) open = false;
  }
  return fromLines(inComment, dir, file, (line) => line.replace(/^\s*\*( |$)/, ""));
}

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => join(dir, name))
    .sort();
}

/** Whether a comment is a plain value (`60`, `"web"`, `{ port: 22 }`, `undefined`), not prose. */
function isValue(comment: string): boolean {
  try {
    // Only a literal evaluates here: prose is a syntax error, and a free name a ReferenceError.
    new Function(`"use strict"; return (${comment});`)();
    return true;
  } catch {
    return false;
  }
}

const CLAIM =
  /^(\s*)(?!(?:const|let|var|import|export|return|if|for|while|await|throw|console)\b)(\S.*?);\s*\/\/ (.+?)\s*$/;
const THROWS = /^(\s*)(.+;)\s*\/\/ throws (\w+)(?::.*)?\s*$/;
/** The line after a statement that names the error it throws: `// throws RangeError: …` or `// RangeError: …`. */
const THROWS_BELOW = /^\s*\/\/ (?:throws )?(\w*Error)\b/;
const STATEMENT = /^(\s*)(?!\/\/)(\S.*;)\s*$/;

function mustThrow(indent: string, statement: string, name: string): string {
  return `${indent}{ let threw = false; try { ${statement} } catch (error) { threw = error instanceof Error && error.name === "${name}"; if (!threw) throw error; } if (!threw) throw new Error("expected ${name}"); }`;
}

/**
 * The example as it is checked, so its comments are tested like its code: a one-line expression statement whose
 * comment is a value (`parse("1m"); // 60`) must equal it (deep, strict), and one that ends in
 * `// throws SomeError` (or `// throws SomeError: message`), or is followed by a comment line `// throws SomeError: …` or `// SomeError: …`, must
 * throw that error. Prose comments, and what a `console` call prints, are left alone. Lines keep their numbers.
 */
export function checkedCode(code: string): string {
  let claims = 0;
  const lines: string[] = [];
  for (const line of code.split("\n")) {
    const below = THROWS_BELOW.exec(line);
    const previous = below ? STATEMENT.exec(lines.at(-1) ?? "") : null;
    if (below?.[1] && previous) {
      lines[lines.length - 1] = mustThrow(previous[1] ?? "", previous[2] ?? "", below[1]);
      lines.push(line);
      continue;
    }
    const throws = THROWS.exec(line);
    if (throws) {
      lines.push(mustThrow(throws[1] ?? "", throws[2] ?? "", throws[3] ?? ""));
      continue;
    }
    const claim = CLAIM.exec(line);
    if (claim?.[3] && isValue(claim[3])) {
      claims++;
      lines.push(`${claim[1]}__claim(${claim[2]}, ${claim[3]});`);
    } else {
      lines.push(line);
    }
  }
  // An import is hoisted wherever it stands, so it goes last and every line keeps its number.
  if (claims > 0) lines.push('import { deepStrictEqual as __claim } from "node:assert";');
  return lines.join("\n");
}

/** Every example of one package: its README's, then its sources' doc comments'. */
export function packageExamples(root: string, dir: string): Example[] {
  const abs = join(root, dir);
  const found: Example[] = [];
  try {
    found.push(...markdownExamples(dir, "README.md", readFileSync(join(abs, "README.md"), "utf8")));
  } catch {
    // no README
  }
  for (const file of sources(join(abs, "src"))) {
    found.push(...docExamples(dir, relative(abs, file), readFileSync(file, "utf8")));
  }
  return found;
}
