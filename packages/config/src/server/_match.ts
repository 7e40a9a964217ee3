import { argvSplit, strdelim } from "../_argv.ts";
import { MatchFailure } from "../_match_failure.ts";
import { a2port } from "../_values.ts";
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";
import { matchHostname, matchPatternList } from "../pattern.ts";
import { matchAddressList } from "./address.ts";
import type { ServerConnection } from "./connection.ts";

/** What a `Match` line needs besides the connection. */
export interface MatchContext {
  /** The user's group names, or `undefined` when there is no such user. */
  readonly groups: (user: string) => readonly string[] | undefined;
  /** TCP service names for `Match LocalPort ssh`. */
  readonly services: ReadonlyMap<string, number>;
  /**
   * The release whose `Match` grammar applies; default 9.2 (the grammar this function had first). From 10.0 the
   * line is split like a shell (argv_split), `criteria=arg` is one token, and `invalid-user` and `version` exist.
   */
  readonly openssh?: OpenSshVersion | undefined;
  /** What `Match version` compares with (sshd's SSH_RELEASE); default {@linkcode sshdRelease}. */
  readonly release?: string | undefined;
}

/**
 * The version string `Match version` sees for each release (SSH_RELEASE with Debian's suffix, as `ssh -V` of
 * that package prints it); 9.2 has no `Match version`.
 *
 * @example
 * ```ts
 * import { sshdRelease } from "./_match.ts";
 * sshdRelease("10.6"); // "OpenSSH_10.6p1 Debian-1"
 * ```
 */
export function sshdRelease(version: OpenSshVersion): string {
  return RELEASES[version];
}

const RELEASES: Readonly<Record<OpenSshVersion, string>> = {
  "9.2": "OpenSSH_9.2p1 Debian-2+deb12u10",
  "10.0": "OpenSSH_10.0p2 Debian-7+deb13u4",
  "10.6": "OpenSSH_10.6p1 Debian-1",
};

/** The criteria OpenSSH 10.0 also takes as one `criteria=arg` token. */
const ASSIGNABLE = ["user", "group", "host", "address", "localaddress", "localport", "rdomain", "version"];

/** A tokeniser over one Match line: strdelim for 9.2, argv_split from 10.0. */
function tokens(condition: string, modern: boolean): () => string | null {
  if (modern) {
    const argv = argvSplit(condition) ?? [];
    let at = 0;
    return () => argv[at++] ?? null;
  }
  let rest: string | null = condition;
  return () => {
    const next = strdelim(rest);
    rest = next.rest;
    return next.token;
  };
}

/** groupaccess.c `ga_match_pattern_list`: any negated match loses, else any positive match wins. */
function matchGroups(groups: readonly string[], patterns: string): boolean {
  let found = false;
  for (const group of groups) {
    const result = matchPatternList(group, patterns, false);
    if (result === "negated") return false;
    if (result === "match") found = true;
  }
  return found;
}

/**
 * servconf.c `match_cfg_line`: evaluates the criteria of one `Match` line (the text after the keyword), all of
 * which must hold. With `connection` undefined (sshd's first pass, or a block sshd never matches) only the syntax
 * is checked and only `Match All` holds.
 *
 * @returns whether the block applies.
 * @throws {MatchFailure} for a line sshd refuses, with sshd's messages.
 * @example
 * ```ts
 * import { SERVICE_PORTS } from "../_values.ts";
 * import { evaluateServerMatch } from "./_match.ts";
 * const context = { groups: () => undefined, services: SERVICE_PORTS };
 * evaluateServerMatch("User ann Address 10.0.0.0/8", 3, { user: "ann", address: "10.1.2.3" }, context); // true
 * evaluateServerMatch("User ann", 3, undefined, context); // false (first pass: syntax only)
 * ```
 */
export function evaluateServerMatch(
  condition: string,
  line: number,
  connection: ServerConnection | undefined,
  context: MatchContext,
): boolean {
  let result = true;
  let attributes = 0;
  const modern = context.openssh !== undefined && opensshAtLeast(context.openssh, "10.0");
  const next = tokens(condition, modern);
  for (;;) {
    const token = next();
    if (token === null || (!modern && token === "") || token.startsWith("#")) break;
    let attribute = token;
    attributes++;
    const lower = attribute.toLowerCase();
    if (lower === "all") {
      const after = next();
      if (attributes > 1 || (after !== null && after !== "" && !after.startsWith("#"))) {
        throw new MatchFailure("'all' cannot be combined with other Match attributes", true);
      }
      return true;
    }
    if (modern && lower === "invalid-user") {
      if (connection?.invalidUser !== true) result = false;
      continue;
    }
    let arg: string | null;
    const eq = attribute.indexOf("=");
    if (modern && eq > 0 && ASSIGNABLE.includes(lower.slice(0, eq))) {
      arg = attribute.slice(eq + 1);
      attribute = attribute.slice(0, eq);
    } else {
      arg = next();
    }
    if (arg === null || arg === "" || arg.startsWith("#")) {
      throw new MatchFailure(`Missing Match criteria for ${attribute}`, true);
    }
    const name = attribute.toLowerCase();
    switch (name) {
      case "user":
        if (connection?.user === undefined || matchPatternList(connection.user, arg, false) !== "match") result = false;
        break;
      case "group": {
        const groups = connection?.user === undefined ? undefined : context.groups(connection.user);
        if (!groups || !matchGroups(groups, arg)) result = false;
        break;
      }
      case "host":
        if (connection?.host === undefined || matchHostname(connection.host, arg) !== "match") result = false;
        break;
      case "address":
      case "localaddress": {
        const address = name === "address" ? connection?.address : connection?.localAddress;
        if (connection === undefined || address === undefined) {
          if (matchAddressList(undefined, arg) !== "no-match") {
            const what = name === "address" ? "address" : "localaddress";
            throw new MatchFailure(`Invalid Match ${what} argument '${arg}' at line ${line}`);
          }
          result = false;
          break;
        }
        const matched = matchAddressList(address, arg);
        if (matched === "invalid") throw new MatchFailure("", true);
        if (matched !== "match") result = false;
        break;
      }
      case "localport": {
        const port = a2port(arg, context.services);
        if (port === -1) throw new MatchFailure(`Invalid LocalPort '${arg}' on Match line`, true);
        if (connection === undefined) {
          result = false;
          break;
        }
        if (connection.localPort === undefined) {
          throw new MatchFailure(
            "'Match LocalPort' in configuration but 'lport' not in connection test specification.",
          );
        }
        if (port !== connection.localPort) result = false;
        break;
      }
      case "rdomain":
        if (connection?.rdomain === undefined || matchPatternList(connection.rdomain, arg, false) !== "match") {
          result = false;
        }
        break;
      case "version":
        if (!modern) throw new MatchFailure(`Unsupported Match attribute ${token}`, true);
        if (matchPatternList(context.release ?? sshdRelease(context.openssh ?? "10.0"), arg, false) !== "match") {
          result = false;
        }
        break;
      default:
        throw new MatchFailure(`Unsupported Match attribute ${token}`, true);
    }
  }
  if (attributes === 0) throw new MatchFailure("One or more attributes required for Match", true);
  return result;
}
