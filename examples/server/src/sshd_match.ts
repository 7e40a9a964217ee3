import { spawnSync } from "node:child_process";
import { BlockList, isIP } from "node:net";
import { matchPatternList } from "@tsalive/config";
import type { ConnectionSpec } from "./argv.ts";

const CRITERIA = new Set(["all", "user", "group", "host", "address", "localaddress", "localport", "rdomain"]);

/**
 * Evaluates an sshd `Match` line's criteria (`match_cfg_line` in servconf.c) against a connection. Without a
 * connection it only checks the line, returning `true` or sshd's message. A criterion whose value the connection
 * does not carry (as in `sshd -T -C` without it) does not match.
 *
 * @example
 * ```ts
 * import { matchServerCriteria } from "./sshd_match.ts";
 * matchServerCriteria(["User", "bob,alice", "Address", "10.0.0.0/8"], { user: "bob", addr: "10.1.2.3" }); // true
 * ```
 */
export function matchServerCriteria(args: readonly string[], connection: ConnectionSpec | undefined): boolean | string {
  if (args.length === 0) return "Missing Match criteria";
  let result = true;
  for (let i = 0; i < args.length; i++) {
    const criterion = (args[i] as string).toLowerCase();
    if (!CRITERIA.has(criterion)) return `Unsupported Match attribute ${args[i]}`;
    if (criterion === "all") {
      if (i !== 0 || args.length > 1) return "'all' cannot be combined with other Match attributes";
      continue;
    }
    const value = args[++i];
    if (value === undefined || value === "") return `Missing Match criteria for ${criterion}`;
    if (connection === undefined) continue;
    if (!matches(criterion, value, connection)) result = false;
  }
  return result;
}

function matches(criterion: string, patterns: string, c: ConnectionSpec): boolean {
  switch (criterion) {
    case "user":
      return c.user !== undefined && matchPatternList(c.user, patterns, false) === 1;
    case "group":
      return c.user !== undefined && groupsOf(c.user).some((g) => matchPatternList(g, patterns, false) === 1);
    case "host":
      return c.host !== undefined && matchPatternList(c.host, patterns, true) === 1;
    case "address":
      return c.addr !== undefined && addressMatches(c.addr, patterns);
    case "localaddress":
      return c.laddr !== undefined && addressMatches(c.laddr, patterns);
    case "localport":
      return c.lport !== undefined && patterns.split(",").some((p) => Number(p) === c.lport);
    default:
      return false; // RDomain: no routing domains here
  }
}

/** addr_match_list (addrmatch.c): CIDR entries and wildcard patterns, `!` negates and wins. */
export function addressMatches(addr: string, patterns: string): boolean {
  let positive = false;
  for (const raw of patterns.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    let hit: boolean;
    const slash = pattern.indexOf("/");
    if (slash !== -1) {
      const net = pattern.slice(0, slash);
      const bits = Number(pattern.slice(slash + 1));
      const family = isIP(net) === 6 ? "ipv6" : "ipv4";
      const addrFamily = isIP(addr) === 6 ? "ipv6" : "ipv4";
      const list = new BlockList();
      try {
        list.addSubnet(net, bits, family);
        hit = family === addrFamily && list.check(addr, addrFamily);
      } catch {
        hit = false;
      }
    } else hit = matchPatternList(addr, pattern, true) === 1;
    if (hit && negated) return false;
    if (hit) positive = true;
  }
  return positive;
}

function groupsOf(user: string): string[] {
  const result = spawnSync("id", ["-Gn", user], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim().split(/\s+/) : [];
}
