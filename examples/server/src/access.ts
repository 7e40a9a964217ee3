import { stat } from "node:fs/promises";
import type { KeyOptions } from "./auth_options.ts";
import type { Log } from "./log.ts";
import { groupsMatch, matchUser } from "./patterns.ts";
import type { AccessPolicy } from "./policy.ts";
import { type Account, accountLock } from "./users.ts";

/** The remote end as sshd's access checks see it (UseDNS no: the host is the address). */
export interface Remote {
  readonly ip: string;
  readonly port: number;
}

/**
 * auth.c `allowed_user`, in its order and with its log lines: a locked or expired account (without PAM), a
 * missing or non-executable shell, DenyUsers, AllowUsers, then DenyGroups and AllowGroups over the user's groups.
 *
 * @throws {Error} `Invalid DenyUsers pattern "…"` (sshd's fatal) for a pattern whose host part is not valid.
 */
export async function allowedUser(
  account: Account,
  groups: readonly string[],
  policy: AccessPolicy,
  remote: Remote,
  log: Log,
): Promise<boolean> {
  const name = account.name.slice(0, 100);
  const lock = await accountLock(account);
  if (lock === "expired") log.info(`Account ${name} has expired`);
  if (lock !== undefined) {
    log.info(`User ${name} not allowed because account is locked`);
    return false;
  }
  const shell = account.shell === "" ? "/bin/sh" : account.shell;
  const st = await stat(shell).catch(() => undefined);
  if (st === undefined) {
    log.info(`User ${name} not allowed because shell ${shell.slice(0, 100)} does not exist`);
    return false;
  }
  if (!st.isFile() || (st.mode & 0o111) === 0) {
    log.info(`User ${name} not allowed because shell ${shell.slice(0, 100)} is not executable`);
    return false;
  }
  const host = remote.ip.slice(0, 100);
  for (const pattern of policy.denyUsers) {
    const r = matchUser(account.name, remote.ip, remote.ip, pattern);
    if (r === "invalid") throw new Error(`Invalid DenyUsers pattern "${pattern.slice(0, 100)}"`);
    if (r === "match") {
      log.info(`User ${name} from ${host} not allowed because listed in DenyUsers`);
      return false;
    }
  }
  if (policy.allowUsers.length > 0) {
    let listed = false;
    for (const pattern of policy.allowUsers) {
      const r = matchUser(account.name, remote.ip, remote.ip, pattern);
      if (r === "invalid") throw new Error(`Invalid AllowUsers pattern "${pattern.slice(0, 100)}"`);
      if (r === "match") {
        listed = true;
        break;
      }
    }
    if (!listed) {
      log.info(`User ${name} from ${host} not allowed because not listed in AllowUsers`);
      return false;
    }
  }
  if (policy.denyGroups.length > 0 || policy.allowGroups.length > 0) {
    if (groups.length === 0) {
      log.info(`User ${name} from ${host} not allowed because not in any group`);
      return false;
    }
    if (policy.denyGroups.length > 0 && groupsMatch(groups, policy.denyGroups)) {
      log.info(`User ${name} from ${host} not allowed because a group is listed in DenyGroups`);
      return false;
    }
    if (policy.allowGroups.length > 0 && !groupsMatch(groups, policy.allowGroups)) {
      log.info(`User ${name} from ${host} not allowed because none of user's groups are listed in AllowGroups`);
      return false;
    }
  }
  return true;
}

/**
 * auth.c `auth_root_allowed` for public-key logins: `yes` and `prohibit-password` allow root, `forced-commands-only`
 * only with a key whose line has `command=`, `no` never; a refusal is logged as sshd logs it.
 *
 * @example
 * ```ts
 * import { DEFAULT_KEY_OPTIONS } from "./auth_options.ts";
 * import { rootAllowed } from "./access.ts";
 * rootAllowed("forced-commands-only", DEFAULT_KEY_OPTIONS, { ip: "10.0.0.1", port: 5 }, console); // false: "ROOT LOGIN REFUSED FROM 10.0.0.1 port 5"
 * ```
 */
export function rootAllowed(
  permit: AccessPolicy["permitRootLogin"],
  key: KeyOptions,
  remote: Remote,
  log: Pick<Log, "info">,
): boolean {
  if (permit === "yes" || permit === "prohibit-password") return true;
  if (permit === "forced-commands-only" && key.forceCommand !== undefined) {
    log.info("Root login accepted for forced command.");
    return true;
  }
  log.info(`ROOT LOGIN REFUSED FROM ${remote.ip.slice(0, 200)} port ${remote.port}`);
  return false;
}

/** The modulus size of an `ssh-rsa` public key blob, in bits (0 for any other key). */
export function rsaBits(blob: Buffer): number {
  let at = 0;
  const next = (): Buffer => {
    const length = blob.readUInt32BE(at);
    const value = blob.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  try {
    if (next().toString("latin1") !== "ssh-rsa") return 0;
    next();
    const n = next();
    let i = 0;
    while (i < n.length && n[i] === 0) i++;
    if (i === n.length) return 0;
    return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i] as number));
  } catch {
    return 0;
  }
}
