/**
 * OpenSSH's match.c helpers that sshd's access checks use, over @tsalive/config's pattern and address matching.
 *
 * @module
 */
import { matchAddressList, matchHostname, matchPattern } from "@tsalive/config/unstable";

/** Whether a host pattern or a user pattern matched, or could not be read (match.c's 1, 0 and -1). */
export type AccessMatch = "match" | "no-match" | "invalid";

/**
 * match.c `match_host_and_ip`: `"match"` when the pattern list matches the address (CIDR or wildcard) or the
 * host name and no `!` pattern matches either; `"no-match"` otherwise; `"invalid"` when the list is not a valid
 * address list.
 *
 * @example
 * ```ts
 * import { matchHostAndIp } from "./patterns.ts";
 * matchHostAndIp("127.0.0.1", "127.0.0.1", "127.0.0.0/8"); // "match"
 * matchHostAndIp("127.0.0.1", "127.0.0.1", "10.*,!127.0.0.1"); // "no-match"
 * ```
 */
export function matchHostAndIp(host: string | undefined, ip: string | undefined, patterns: string): AccessMatch {
  const mip = matchAddressList(ip, patterns);
  if (mip === "invalid") return "invalid";
  if (host === undefined || ip === undefined || mip === "negated") return "no-match";
  const mhost = matchHostname(host, patterns);
  if (mhost === "negated") return "no-match";
  if (mhost === "no-match" && mip === "no-match") return "no-match";
  return "match";
}

/**
 * match.c `match_user`: one AllowUsers/DenyUsers pattern, `user` or `user@host` (the host part a list matched by
 * {@linkcode matchHostAndIp}); `"invalid"` for an invalid host part.
 *
 * @example
 * ```ts
 * import { matchUser } from "./patterns.ts";
 * matchUser("ann", "127.0.0.1", "127.0.0.1", "ann@127.0.0.0/8"); // "match"
 * matchUser("ann", "127.0.0.1", "127.0.0.1", "a?n@10.0.0.1"); // "no-match"
 * ```
 */
export function matchUser(user: string, host: string, ip: string, pattern: string): AccessMatch {
  const at = pattern.indexOf("@");
  if (at === -1) return matchPattern(user, pattern) ? "match" : "no-match";
  if (!matchPattern(user, pattern.slice(0, at))) return "no-match";
  return matchHostAndIp(host, ip, pattern.slice(at + 1));
}

/** groupaccess.c `ga_match`: whether any of the user's group names matches any pattern (no negation). */
export function groupsMatch(groups: readonly string[], patterns: readonly string[]): boolean {
  return groups.some((group) => patterns.some((pattern) => matchPattern(group, pattern)));
}
