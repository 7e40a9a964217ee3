import { readFileSync } from "node:fs";

/** A passwd entry: what sshd needs to run a session as the user. */
export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/**
 * Looks a user up in /etc/passwd (getpwnam). `undefined` for an unknown user (sshd: `Invalid user`).
 *
 * @example
 * ```ts
 * import { lookupAccount } from "./users.ts";
 * lookupAccount("root")?.uid; // 0
 * ```
 */
export function lookupAccount(name: string, passwd = "/etc/passwd"): Account | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [user, , uid, gid, , home, shell] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid), home: home || "/", shell: shell || "/bin/sh" };
    }
  }
  return undefined;
}
