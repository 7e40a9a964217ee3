import { readFile } from "node:fs/promises";

/** A passwd entry: what sshd needs to run a session as the user. */
export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** Where accounts come from (the files getpwnam, getgrouplist and the shadow check read). */
export interface AccountFiles {
  readonly passwd: string;
  readonly group: string;
  readonly shadow: string;
}

export const SYSTEM_ACCOUNT_FILES: AccountFiles = { passwd: "/etc/passwd", group: "/etc/group", shadow: "/etc/shadow" };

/** The lines of an account file (/etc/passwd, /etc/group, /etc/shadow), read without blocking; none when unreadable. */
export async function accountFileLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8")).split("\n");
  } catch {
    return [];
  }
}

/**
 * Looks a user up in /etc/passwd (getpwnam), read without blocking. `undefined` for an unknown user (sshd:
 * `Invalid user`).
 *
 * @example
 * ```ts no-run
 * import { lookupAccount } from "./users.ts";
 * (await lookupAccount("root"))?.uid; // 0
 * ```
 */
export async function lookupAccount(
  name: string,
  files: AccountFiles = SYSTEM_ACCOUNT_FILES,
): Promise<Account | undefined> {
  for (const line of await accountFileLines(files.passwd)) {
    const [user, , uid, gid, , home, shell] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid), home: home || "/", shell: shell || "/bin/sh" };
    }
  }
  return undefined;
}

/** The user's groups as getgrouplist gives them: the primary group and every group listing the user, by name and gid. */
export async function accountGroups(
  account: Account,
  files: AccountFiles = SYSTEM_ACCOUNT_FILES,
): Promise<{ names: string[]; gids: number[] }> {
  const names: string[] = [];
  const gids: number[] = [];
  for (const line of await accountFileLines(files.group)) {
    const [name, , gid, members] = line.split(":");
    if (name === undefined || gid === undefined || name === "") continue;
    if (Number(gid) === account.gid || (members ?? "").split(",").includes(account.name)) {
      if (!names.includes(name)) names.push(name);
      gids.push(Number(gid));
    }
  }
  if (!gids.includes(account.gid)) gids.push(account.gid);
  return { names, gids };
}

/**
 * platform.c `platform_locked_account` as Linux builds it, without PAM: the shadow entry has expired (`expired`,
 * sshd logs `Account NAME has expired` first), or the password starts with `!` (`locked`), the way `passwd -l` and
 * `useradd` without a password leave it.
 */
export async function accountLock(
  account: Account,
  files: AccountFiles = SYSTEM_ACCOUNT_FILES,
  now: number = Date.now(),
): Promise<"expired" | "locked" | undefined> {
  for (const line of await accountFileLines(files.shadow)) {
    const fields = line.split(":");
    if (fields[0] !== account.name) continue;
    const expire = fields[7] ?? "";
    if (/^[0-9]+$/.test(expire) && Math.floor(now / 86_400_000) >= Number(expire)) return "expired";
    return (fields[1] ?? "").startsWith("!") ? "locked" : undefined;
  }
  return undefined;
}
