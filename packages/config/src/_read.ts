import { ConfigError, type ConfigIssue, MAX_CONFIG_FILE_BYTES } from "./errors.ts";
import { type ConfigFileSystem, fileKind } from "./fs.ts";

/** How {@linkcode readConfigFile} checks a file before reading it. */
export interface ReadCheck {
  /** ssh's SSHCONF_CHECKPERM: refuse a file owned by another user (not root) or writable by group or others. */
  readonly checkPerm: boolean;
  /** The reader's uid, for the owner check; without it only the mode is checked. */
  readonly uid: number | undefined;
  /** Where the file was named (`FILE line N`, for an Include), for messages; the issue's file and line. */
  readonly at?: { readonly text: string; readonly file: string | undefined; readonly line: number } | undefined;
  /** How a failure to open is worded: `Can't open user config file` (ssh) unless given; "" for sshd's bare path. */
  readonly what?: string | undefined;
}

/**
 * Reads a configuration file as read_config_file_depth does, checking before reading, in ssh's order: a missing
 * file is `undefined`; then (with `checkPerm`) the owner and mode (`Bad owner or permissions on FILE`); then what
 * ssh would do unsafely is refused: a FIFO, a device or a socket (ssh blocks on a FIFO and reads a device for
 * ever), and a file over {@linkcode MAX_CONFIG_FILE_BYTES}. `/dev/null` reads as empty, as `ssh -F /dev/null`
 * does. The checks need `fs.stat`; without it the file is only read.
 *
 * @throws {ConfigError} `CONFIG_BAD_PERMISSIONS`, `CONFIG_NOT_REGULAR`, `CONFIG_LIMIT`, or `CONFIG_READ_FAILED`
 *   when reading throws; each names the file (and, for an Include, the including line).
 */
export function readConfigFile(fs: ConfigFileSystem, path: string, check: ReadCheck): string | undefined {
  const issue = (message: string): ConfigIssue[] => [
    {
      file: check.at?.file ?? path,
      line: check.at?.line ?? 0,
      keyword: check.at ? "Include" : undefined,
      value: undefined,
      message,
    },
  ];
  const prefix = check.at ? `${check.at.text}: ` : "";
  const what = check.what ?? "Can't open user config file";
  const lead = `${prefix}${what === "" ? "" : `${what} `}${path}`;
  const stat = fs.stat?.(path);
  // stat fails for a missing file or a dangling link: readFile says which (a missing file is no error).
  if (fs.stat && stat === undefined) return safeRead(fs, path, lead, issue);
  if (stat && check.checkPerm) {
    const uid = check.uid;
    if ((stat.uid !== 0 && uid !== undefined && stat.uid !== uid) || (stat.mode & 0o22) !== 0) {
      // ssh's message names only the file, and so does the issue (as before: the file itself, line 0).
      const message = `Bad owner or permissions on ${path}`;
      throw new ConfigError("CONFIG_BAD_PERMISSIONS", message, [
        { file: path, line: 0, keyword: undefined, value: undefined, message },
      ]);
    }
  }
  if (stat) {
    const kind = fileKind(stat);
    if (kind === "FIFO" || kind === "device" || kind === "socket") {
      if (path === "/dev/null") return "";
      const message = `${lead}: not a regular file (a ${kind}: tsalive refuses it rather than block or read without end)`;
      throw new ConfigError("CONFIG_NOT_REGULAR", message, issue(message));
    }
    if (kind === "directory") return "";
    if (stat.size !== undefined && stat.size > MAX_CONFIG_FILE_BYTES) {
      const message = `${lead}: file too large (${stat.size} bytes; tsalive reads at most ${MAX_CONFIG_FILE_BYTES})`;
      throw new ConfigError("CONFIG_LIMIT", message, issue(message));
    }
  }
  const text = safeRead(fs, path, lead, issue);
  if (text !== undefined && text.length > MAX_CONFIG_FILE_BYTES) {
    const message = `${lead}: file too large (tsalive reads at most ${MAX_CONFIG_FILE_BYTES} bytes)`;
    throw new ConfigError("CONFIG_LIMIT", message, issue(message));
  }
  return text;
}

function safeRead(
  fs: ConfigFileSystem,
  path: string,
  lead: string,
  issue: (message: string) => ConfigIssue[],
): string | undefined {
  try {
    return fs.readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `${lead}: ${reason}`;
    throw new ConfigError("CONFIG_READ_FAILED", message, issue(message), { cause: error });
  }
}
