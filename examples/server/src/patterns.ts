/**
 * OpenSSH's match.c helpers that sshd's access checks use, over @tsalive/config's pattern and address matching.
 *
 * @module
 */
import { addrMatchList, matchHostname, matchPattern } from "@tsalive/config";

/**
 * match.c `match_host_and_ip`: 1 when the pattern list matches the address (CIDR or wildcard) or the host name
 * and no `!` pattern matches either; 0 otherwise; -1 when the list is not a valid address list.
 *
 * @example
 * ```ts
 * import { matchHostAndIp } from "./patterns.ts";
 * matchHostAndIp("127.0.0.1", "127.0.0.1", "127.0.0.0/8"); // 1
 * matchHostAndIp("127.0.0.1", "127.0.0.1", "10.*,!127.0.0.1"); // 0
 * ```
 */
export function matchHostAndIp(host: string | undefined, ip: string | undefined, patterns: string): 1 | 0 | -1 {
  const mip = addrMatchList(ip, patterns);
  if (mip === -2) return -1;
  if (host === undefined || ip === undefined || mip === -1) return 0;
  const mhost = matchHostname(host, patterns);
  if (mhost === -1) return 0;
  if (mhost === 0 && mip === 0) return 0;
  return 1;
}

/**
 * match.c `match_user`: one AllowUsers/DenyUsers pattern, `user` or `user@host` (the host part a list matched by
 * {@linkcode matchHostAndIp}). 1 match, 0 no match, -1 an invalid host part.
 *
 * @example
 * ```ts
 * import { matchUser } from "./patterns.ts";
 * matchUser("ann", "127.0.0.1", "127.0.0.1", "ann@127.0.0.0/8"); // 1
 * matchUser("ann", "127.0.0.1", "127.0.0.1", "a?n@10.0.0.1"); // 0
 * ```
 */
export function matchUser(user: string, host: string, ip: string, pattern: string): 1 | 0 | -1 {
  const at = pattern.indexOf("@");
  if (at === -1) return matchPattern(user, pattern) ? 1 : 0;
  if (!matchPattern(user, pattern.slice(0, at))) return 0;
  return matchHostAndIp(host, ip, pattern.slice(at + 1));
}

/** groupaccess.c `ga_match`: whether any of the user's group names matches any pattern (no negation). */
export function groupsMatch(groups: readonly string[], patterns: readonly string[]): boolean {
  return groups.some((group) => patterns.some((pattern) => matchPattern(group, pattern)));
}
