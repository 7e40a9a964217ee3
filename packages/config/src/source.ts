/**
 * Where a resolved value came from: a config file line, a `-o` option, a command-line argument (the destination,
 * `-l`, `-p`, `-i`), or OpenSSH's built-in default.
 */
export type ValueSource =
  | { readonly kind: "file"; readonly file: string | undefined; readonly line: number }
  | { readonly kind: "option"; readonly index: number; readonly text: string }
  | { readonly kind: "argument"; readonly name: "destination" | "user" | "port" | "identityFile" }
  | { readonly kind: "default" };

/**
 * A source in words, as `explain` prints it: `~/.ssh/config line 3`, `-o "Port 22"`, `default`.
 *
 * @example
 * ```ts
 * import { formatSource } from "@tsalive/config";
 * formatSource({ kind: "file", file: "/home/me/.ssh/config", line: 3 }); // "/home/me/.ssh/config line 3"
 * formatSource({ kind: "option", index: 0, text: "Port=22" }); // '-o "Port=22"'
 * ```
 */
export function formatSource(source: ValueSource): string {
  switch (source.kind) {
    case "file":
      return `${source.file ?? "(config)"} line ${source.line}`;
    case "option":
      return `-o ${JSON.stringify(source.text)}`;
    case "argument":
      return source.name === "destination" ? "the destination argument" : `the ${source.name} argument`;
    case "default":
      return "default";
  }
}

/** One active line (or option) that set a keyword, in the order OpenSSH read it. */
export interface Assignment {
  /** The keyword as written. */
  readonly keyword: string;
  /** The unquoted arguments. */
  readonly args: readonly string[];
  /** The rest of the line after the keyword, as `ProxyCommand` takes it. */
  readonly value: string;
  readonly source: ValueSource;
  /** Which pass read it: 1, or 2 for the final pass (`Match final`, `CanonicalizeHostname`). */
  readonly pass: 1 | 2;
}
