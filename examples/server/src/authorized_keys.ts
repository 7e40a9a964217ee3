import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import ssh2 from "ssh2";
import type { Account } from "./users.ts";

/** One usable key of an authorized_keys file. */
export interface AuthorizedKey {
  readonly type: string;
  readonly blob: Buffer;
  readonly file: string;
  readonly line: number;
}

/**
 * The paths `AuthorizedKeysFile` names for an account: `%h`, `%u`, `%U` and `%%` expanded, relative paths taken
 * from the home directory, as sshd does.
 *
 * @example
 * ```ts
 * import { authorizedKeysPaths } from "./authorized_keys.ts";
 * authorizedKeysPaths([".ssh/authorized_keys"], { name: "bob", uid: 1000, gid: 1000, home: "/home/bob", shell: "/bin/sh" });
 * // ["/home/bob/.ssh/authorized_keys"]
 * ```
 */
export function authorizedKeysPaths(patterns: readonly string[], account: Account): string[] {
  return patterns.map((pattern) => {
    const path = pattern.replace(/%([%huU])/g, (_, c: string) =>
      c === "%" ? "%" : c === "h" ? account.home : c === "u" ? account.name : String(account.uid),
    );
    return isAbsolute(path) ? path : join(account.home, path);
  });
}

/**
 * Reads the keys of authorized_keys files; missing files and lines that are not keys are skipped (options before
 * the key, such as `from=` or `command=`, are not honoured by this example and are skipped with the key's type).
 */
export function readAuthorizedKeys(paths: readonly string[]): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    text.split("\n").forEach((raw, index) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const tokens = line.split(/\s+/);
      const at = tokens.findIndex((t) => /^(ssh-|ecdsa-sha2-|sk-)/.test(t));
      if (at === -1 || tokens[at + 1] === undefined) return;
      const parsed = ssh2.utils.parseKey(`${tokens[at]} ${tokens[at + 1]}`);
      if (parsed instanceof Error) return;
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (key === undefined) return;
      keys.push({ type: key.type, blob: key.getPublicSSH(), file, line: index + 1 });
    });
  }
  return keys;
}

/** The authorized key whose blob is `blob`, if any. */
export function findAuthorizedKey(keys: readonly AuthorizedKey[], blob: Buffer): AuthorizedKey | undefined {
  return keys.find((key) => key.blob.equals(blob));
}
