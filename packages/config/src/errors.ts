import { TsaliveError } from "@tsalive/core";

/**
 * What went wrong with a configuration:
 * - `CONFIG_INVALID`: one or more bad lines (OpenSSH's `terminating, N bad configuration options`);
 * - `CONFIG_INCLUDE_LOOP`: `Include` nested deeper than OpenSSH allows (16), which is how a loop shows;
 * - `CONFIG_EXEC_DENIED`: a `Match exec` had to run a command but the caller did not allow commands;
 * - `CONFIG_READ_FAILED`: a file named by `-F` is missing, or a file exists but could not be read;
 * - `CONFIG_BAD_PERMISSIONS`: the user config or an included file is writable by others or owned by someone else
 *   (OpenSSH: `Bad owner or permissions on FILE`);
 * - `CONFIG_NOT_REGULAR`: a file to read is a FIFO, a device or a socket (tsalive refuses it rather than block or
 *   read for ever; `/dev/null` is read as empty, as ssh reads it);
 * - `CONFIG_LIMIT`: a file is larger than {@linkcode MAX_CONFIG_FILE_BYTES}, or an `Include` pattern matches more
 *   than {@linkcode MAX_INCLUDE_MATCHES} files.
 */
export type ConfigErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_INCLUDE_LOOP"
  | "CONFIG_EXEC_DENIED"
  | "CONFIG_READ_FAILED"
  | "CONFIG_BAD_PERMISSIONS"
  | "CONFIG_NOT_REGULAR"
  | "CONFIG_LIMIT";

/**
 * The largest configuration file tsalive reads (8 MiB); OpenSSH has no limit, but no real file comes near it.
 *
 * @example
 * ```ts
 * import { MAX_CONFIG_FILE_BYTES } from "@tsalive/config";
 * MAX_CONFIG_FILE_BYTES; // 8388608
 * ```
 */
export const MAX_CONFIG_FILE_BYTES = 8 * 1024 * 1024;

/**
 * The most files one `Include` pattern may match (OpenSSH's glob has no limit).
 *
 * @example
 * ```ts
 * import { MAX_INCLUDE_MATCHES } from "@tsalive/config";
 * MAX_INCLUDE_MATCHES; // 1024
 * ```
 */
export const MAX_INCLUDE_MATCHES = 1024;

/**
 * One bad line, worded as OpenSSH words it.
 *
 * @example
 * ```ts
 * import type { ConfigIssue } from "@tsalive/config";
 * const issue: ConfigIssue = {
 *   file: "/etc/ssh/ssh_config",
 *   line: 3,
 *   keyword: "ServerAliveInterval",
 *   value: "5x",
 *   message: "/etc/ssh/ssh_config line 3: invalid time value.",
 * };
 * ```
 */
export interface ConfigIssue {
  /** The file the line is in; `undefined` for text that came without a name. */
  readonly file: string | undefined;
  /** 1-based line number; 0 for a `-o` option, as OpenSSH counts them. */
  readonly line: number;
  /** The keyword as written, when the line has one. */
  readonly keyword: string | undefined;
  /** The rest of the line after the keyword, as written (`undefined` when the issue is not about a line's value). */
  readonly value: string | undefined;
  /** The full message, exactly as OpenSSH prints it (`FILE line N: …`). */
  readonly message: string;
}

/**
 * The error every config function throws. Like OpenSSH, a file is read to its end and every bad line is reported
 * in {@linkcode ConfigError.errors}; `file`, `line`, `keyword` and `value` name the first one, and `message` is what OpenSSH
 * would print: each issue on its own line, then `FILE: terminating, N bad configuration options`.
 *
 * @example
 * ```ts
 * import { ConfigError, parseConfig } from "@tsalive/config";
 * try {
 *   parseConfig('Host "unclosed\n', { file: "config" });
 * } catch (error) {
 *   if (error instanceof ConfigError) error.errors[0]?.message; // "config line 1: invalid quotes"
 * }
 * ```
 */
export class ConfigError extends TsaliveError<ConfigErrorCode> {
  override name: string = "ConfigError";
  /** The file of the first issue. */
  readonly file: string | undefined;
  /** The line of the first issue (0 for `-o` or when no line applies). */
  readonly line: number;
  /** The keyword of the first issue, as written. */
  readonly keyword: string | undefined;
  /** The value of the first issue's line, as written. */
  readonly value: string | undefined;
  /** Every issue found, in the order OpenSSH reports them. */
  readonly errors: readonly ConfigIssue[];
  constructor(code: ConfigErrorCode, message: string, errors: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(code, message, options);
    this.errors = errors;
    const first = errors[0];
    this.file = first?.file;
    this.line = first?.line ?? 0;
    this.keyword = first?.keyword;
    this.value = first?.value;
  }
}

/**
 * How OpenSSH names a file in messages: the path, or `(config)` for text passed without one.
 *
 * @example
 * ```ts
 * import { displayName } from "./errors.ts";
 * displayName(undefined); // "(config)"
 * ```
 */
export function displayName(file: string | undefined): string {
  return file ?? "(config)";
}

/**
 * The error OpenSSH ends a file with after its bad lines: every issue's message, then
 * `FILE: terminating, N bad configuration options`.
 *
 * @example
 * ```ts
 * import { badOptionsError } from "./errors.ts";
 * const error = badOptionsError("config", [
 *   { file: "config", line: 1, keyword: "Port", value: "x", message: "config line 1: Bad port 'x'." },
 * ]);
 * error.message; // "config line 1: Bad port 'x'.\nconfig: terminating, 1 bad configuration options"
 * ```
 */
export function badOptionsError(file: string | undefined, issues: readonly ConfigIssue[]): ConfigError {
  const lines = issues.map((issue) => issue.message);
  lines.push(`${displayName(file)}: terminating, ${issues.length} bad configuration options`);
  return new ConfigError("CONFIG_INVALID", lines.join("\n"), issues);
}
