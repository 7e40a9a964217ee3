import { constants, type Stats } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import ssh2 from "ssh2";
import { endOfOptions, type KeyOptions, parseKeyOptions } from "./auth_options.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Log } from "./log.ts";
import { matchHostAndIp } from "./patterns.ts";
import { type Account, accountFileLines, SYSTEM_ACCOUNT_FILES } from "./users.ts";

/** The most tsalive-sshd reads of one authorized_keys file; a longer one is refused and logged (sshd has no cap). */
export const MAX_AUTHORIZED_KEYS_BYTES = 1 << 20;

/**
 * The paths `AuthorizedKeysFile` names for an account: `none` skipped, `%h`, `%u`, `%U` and `%%` expanded,
 * relative paths taken from the home directory, as sshd does.
 *
 * @example
 * ```ts
 * import { authorizedKeysPaths } from "./authorized_keys.ts";
 * authorizedKeysPaths([".ssh/authorized_keys", "none"], { name: "bob", uid: 1000, gid: 1000, home: "/home/bob", shell: "/bin/sh" });
 * // ["/home/bob/.ssh/authorized_keys"]
 * ```
 */
export function authorizedKeysPaths(patterns: readonly string[], account: Account): string[] {
  return patterns
    .filter((pattern) => pattern.toLowerCase() !== "none")
    .map((pattern) => {
      const path = pattern.replace(/%([%huU])/g, (_, c: string) =>
        c === "%" ? "%" : c === "h" ? account.home : c === "u" ? account.name : String(account.uid),
      );
      return isAbsolute(path) ? path : join(account.home, path);
    });
}

/** Who is logging in from where, for `from=` and the log. */
export interface KeyRequest {
  readonly account: Account;
  /** The offered public key blob. */
  readonly blob: Buffer;
  readonly remoteIp: string;
  /** The name sshd compares `from=` host patterns with: the address itself, as with `UseDNS no`. */
  readonly remoteHost: string;
  readonly strictModes: boolean;
  /** The account's groups (gids), for the read-permission check sshd gets by opening the file as the user. */
  readonly gids: readonly number[];
  /** Seconds since the epoch, for `expiry-time=`. */
  readonly now: number;
}

/** A key line that authorises the request, with its options. */
export interface AuthorizedKey {
  readonly file: string;
  readonly line: number;
  readonly options: KeyOptions;
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: "Permission denied",
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EPERM: "Operation not permitted",
};

function strerror(error: unknown): string {
  const code = (error as { code?: string }).code ?? "";
  return ERRNO_TEXT[code] ?? (error as Error).message;
}

/** Whether `st` grants `bit` (4 read, 1 search) to the account, as the kernel checks for that uid and its groups. */
function permits(st: Stats, account: Account, gids: readonly number[], bit: number): boolean {
  if (account.uid === 0) return true;
  if (st.uid === account.uid) return ((st.mode >> 6) & bit) !== 0;
  if (st.gid === account.gid || gids.includes(st.gid)) return ((st.mode >> 3) & bit) !== 0;
  return (st.mode & bit) !== 0;
}

/**
 * sshd opens the file as the user (temporarily_use_uid); tsalive-sshd runs as root and checks the same thing:
 * search permission on every directory above it and read permission on the file.
 */
async function readableByUser(path: string, st: Stats, request: KeyRequest): Promise<boolean> {
  const { account, gids } = request;
  if (process.getuid?.() !== 0 || account.uid === 0) return true;
  let dir = dirname(path);
  for (;;) {
    const d = await stat(dir).catch(() => undefined);
    if (d === undefined || !permits(d, account, gids, 1)) return false;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return permits(st, account, gids, 4);
}

/**
 * Debian's sshd (user-group-modes.patch, `secure_permissions`): owned by root or the user, not world-writable, and
 * group-writable only when that group's one member is the owner (a user private group, as useradd makes them).
 */
async function securePermissions(st: { uid: number; gid: number; mode: number }, account: Account): Promise<boolean> {
  if (st.uid !== 0 && st.uid !== account.uid) return false;
  if ((st.mode & 0o002) !== 0) return false;
  if ((st.mode & 0o020) === 0) return true;
  const group = (await accountFileLines(SYSTEM_ACCOUNT_FILES.group))
    .map((line) => line.split(":"))
    .find((f) => f[2] === String(st.gid) && f[0] !== "");
  if (group === undefined) return false;
  let members = 0;
  const passwd = (await accountFileLines(SYSTEM_ACCOUNT_FILES.passwd)).map((line) => line.split(":"));
  for (const f of passwd) {
    if (f[3] === String(st.gid)) {
      members++;
      if (f[2] !== String(account.uid)) return false;
    }
  }
  const owner = passwd.find((f) => f[2] === String(st.uid))?.[0];
  if (owner === undefined) return false;
  const listed = (group[3] ?? "").split(",").filter((m) => m !== "");
  if (listed.length > 0) {
    members++;
    if (listed[0] !== owner || listed.length > 1) return false;
  }
  return members > 0;
}

/**
 * misc.c safe_path: the file and every directory up to the home (or `/`) pass {@linkcode securePermissions}.
 */
async function safePath(file: string, st: Stats, account: Account): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    return `realpath ${file} failed: ${strerror(error)}`;
  }
  const home = await realpath(account.home).catch(() => undefined);
  if (!st.isFile()) return `${real} is not a regular file`;
  if (!(await securePermissions(st, account))) return `bad ownership or modes for file ${real}`;
  let dir = real;
  for (;;) {
    dir = dirname(dir);
    const d = await stat(dir).catch(() => undefined);
    if (d === undefined || !(await securePermissions(d, account))) return `bad ownership or modes for directory ${dir}`;
    if (home !== undefined && home === dir) break;
    if (dir === "/" || dir === ".") break;
  }
  return undefined;
}

/**
 * Opens and reads one authorized_keys file as auth2-pubkeyfile.c `auth_openfile` does, without blocking the
 * event loop: opened non-blocking (a FIFO does not wait for a writer), refused unless a regular file (FIFOs,
 * devices, directories, and symlinks to them), refused when StrictModes finds bad ownership or modes, and read
 * up to {@linkcode MAX_AUTHORIZED_KEYS_BYTES}. Every refusal is logged in sshd's words.
 */
export async function readKeyFile(file: string, request: KeyRequest, log: Log): Promise<string | undefined> {
  const user = request.account.name;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const text = `Could not open user '${user}' authorized keys '${file}': ${strerror(error)}`;
    if ((error as { code?: string }).code === "ENOENT") log.debug(text);
    else log.info(text);
    return undefined;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      log.info(`User '${user}' authorized keys '${file}' is not a regular file`);
      return undefined;
    }
    if (!(await readableByUser(file, st, request))) {
      log.info(`Could not open user '${user}' authorized keys '${file}': Permission denied`);
      return undefined;
    }
    if (request.strictModes) {
      const problem = await safePath(file, st, request.account);
      if (problem !== undefined) {
        log.info(`Authentication refused: ${problem}`);
        return undefined;
      }
    }
    if (st.size > MAX_AUTHORIZED_KEYS_BYTES) {
      log.info(`User '${user}' authorized keys '${file}' is larger than ${MAX_AUTHORIZED_KEYS_BYTES} bytes: refused`);
      return undefined;
    }
    const buffer = Buffer.alloc(MAX_AUTHORIZED_KEYS_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_AUTHORIZED_KEYS_BYTES) {
      log.info(`User '${user}' authorized keys '${file}' is larger than ${MAX_AUTHORIZED_KEYS_BYTES} bytes: refused`);
      return undefined;
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** The key type family sshkey_read compares: every ECDSA curve is one type, as are the sk-ECDSA ones. */
function typeFamily(name: string): string {
  if (name.startsWith("ecdsa-sha2-")) return "ecdsa";
  if (name.startsWith("sk-ecdsa-sha2-")) return "sk-ecdsa";
  return name;
}

/** The public key a `TYPE BASE64` pair at the start of `text` names, or `undefined` when it is not a key. */
function readKey(text: string): { type: string; blob: Buffer } | undefined {
  const match = /^(\S+)[ \t]+(\S+)/.exec(text);
  if (!match) return undefined;
  const parsed = ssh2.utils.parseKey(`${match[1]} ${match[2]}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error) return undefined;
  return { type: key.type, blob: key.getPublicSSH() };
}

/** The key type named inside a public key blob (its first SSH string). */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return "";
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1");
}

function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * auth2-pubkeyfile.c `auth_check_authkey_line` + `auth_authorise_keyopts` for one line: the key (with options
 * before it or not), refused when its options do not parse, when it is a `cert-authority` line (a CA is not a
 * plain key), when it has expired, or when `from=` does not match. `undefined` when the line does not authorise.
 */
function checkLine(text: string, loc: string, request: KeyRequest, log: Log): KeyOptions | undefined {
  const wanted = typeFamily(blobType(request.blob));
  let rest = text;
  let optionText: string | undefined;
  let key = readKey(rest);
  if (key === undefined || typeFamily(blobType(key.blob)) !== wanted) {
    optionText = rest;
    const end = endOfOptions(rest);
    if (end === -1) {
      log.error("invalid key option string");
      return undefined;
    }
    rest = rest.slice(end).replace(/^[ \t]+/, "");
    key = readKey(rest);
    if (key === undefined || typeFamily(blobType(key.blob)) !== wanted) return undefined;
  }
  const parsed = parseKeyOptions(optionText);
  if ("error" in parsed) {
    log.debug(`${loc}: bad key options: ${parsed.error}`);
    return undefined;
  }
  const { options } = parsed;
  if (!key.blob.equals(request.blob) || options.certAuthority) return undefined;
  const fp = fingerprint(blobType(key.blob), key.blob);
  log.debug(`${loc}: matching key found: ${fp}`);
  const refuse = () => {
    log.error("Refused by key options");
    return undefined;
  };
  if (options.validBefore !== undefined && options.validBefore < request.now) {
    log.debug(`${loc}: entry expired at ${formatTime(options.validBefore)}`);
    return refuse();
  }
  if (options.principals !== undefined) {
    log.debug(`${loc}: principals on non-CA key`);
    return refuse();
  }
  if (options.from !== undefined) {
    const result = matchHostAndIp(request.remoteHost, request.remoteIp, options.from);
    if (result !== "match") {
      if (result === "invalid") log.debug(`${loc}: invalid from criteria`);
      log.info(
        `${loc}: Authentication tried for ${request.account.name.slice(0, 100)} with correct key but not from a permitted host (host=${request.remoteHost.slice(0, 200)}, ip=${request.remoteIp.slice(0, 200)}, required=${options.from.slice(0, 200)}).`,
      );
      return refuse();
    }
  }
  log.info(`Accepted key ${fp} found at ${loc}`);
  return options;
}

/**
 * Looks the offered key up in the account's authorized_keys files, in order, as sshd's `user_key_allowed` does:
 * the first line that authorises it wins, with its options.
 */
export async function findAuthorizedKey(
  paths: readonly string[],
  request: KeyRequest,
  log: Log,
): Promise<AuthorizedKey | undefined> {
  for (const file of paths) {
    const text = await readKeyFile(file, request, log);
    if (text === undefined) continue;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).replace(/^[ \t]+/, "");
      if (line === "" || line.startsWith("#") || line === "\r") continue;
      const options = checkLine(line.replace(/\r$/, ""), `${file}:${i + 1}`, request, log);
      if (options !== undefined) return { file, line: i + 1, options };
    }
  }
  return undefined;
}
