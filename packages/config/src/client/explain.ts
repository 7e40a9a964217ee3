import { asciiLower } from "../parse.ts";
import { type Assignment, formatSource, type ValueSource } from "../source.ts";
import type { ResolvedClientConfig } from "./config.ts";
import { CLIENT_ALIASES, CLIENT_EXTENSION_KEYWORDS, clientKeywords } from "./keywords.ts";

/** Why a keyword has its value: the line that won and the lines that lost, in reading order. */
export interface ClientExplanation {
  /** The keyword as the manual spells it. */
  readonly keyword: string;
  /** The effective value as text (`undefined`: not set, OpenSSH's default applies). */
  readonly value: string | undefined;
  readonly source: ValueSource;
  /**
   * The line that won, with its arguments as read (`undefined`: not set, or a keyword whose values accumulate,
   * such as IdentityFile): what to read for a keyword tsalive does not type.
   */
  readonly winner: Assignment | undefined;
  /** Active lines that also set it but lost, each with the reason. */
  readonly ignored: readonly { readonly assignment: Assignment; readonly reason: string }[];
  /** All of the above in a sentence per line, for people. */
  readonly text: string;
}

const UNSET_BY_NONE = new Set(["serveraliveinterval", "connecttimeout", "forwardx11timeout", "heartbeat"]);

/**
 * Explains one keyword of a resolved client configuration: which line set it, and which later lines were ignored
 * because the first value wins (or added to it, for keywords that accumulate).
 *
 * @example
 * ```ts
 * import { explainClientConfig, resolveClientConfig } from "@tsalive/config";
 * const resolved = resolveClientConfig({
 *   host: "web",
 *   localUser: "me",
 *   home: "/home/me",
 *   configFile: { file: "config", text: "Host web\n  ServerAliveInterval 15\nHost *\n  ServerAliveInterval 60\n" },
 * });
 * explainClientConfig(resolved, "serveraliveinterval").text;
 * // ServerAliveInterval 15 from config line 2
 * //   ignored: config line 4 "ServerAliveInterval 60" (the first value wins)
 * ```
 */
export function explainClientConfig(resolved: ResolvedClientConfig, keyword: string): ClientExplanation {
  const key = CLIENT_ALIASES.get(asciiLower(keyword)) ?? asciiLower(keyword);
  const { resolution } = resolved;
  const row = clientKeywords(resolution.openssh).get(key) ?? CLIENT_EXTENSION_KEYWORDS.get(key);
  const name = row?.name ?? keyword;
  if (key === "hostname") {
    const source = resolution.hostNameSource;
    const assignments = resolution.settings.get(key)?.assignments ?? [];
    const ignored = assignments.slice(1).map((assignment) => ({ assignment, reason: "the first value wins" }));
    return build(name, resolution.hostName, source, assignments[0], ignored);
  }
  if (key === "identityfile") {
    const files = resolution.identityFiles;
    const text = files.map((f) => `IdentityFile ${f.path} from ${formatSource(f.source)}`).join("\n");
    return {
      keyword: name,
      value: files.map((f) => f.path).join(" "),
      source: files[0]?.source ?? { kind: "default" },
      winner: undefined,
      ignored: [],
      text,
    };
  }
  const assignments = resolution.settings.get(key)?.assignments ?? [];
  const ignored: { assignment: Assignment; reason: string }[] = [];
  let win: Assignment | undefined;
  for (const assignment of assignments) {
    if (win === undefined && UNSET_BY_NONE.has(key) && assignment.args[0] === "none") {
      ignored.push({ assignment, reason: "none leaves it unset, so a later value still applies" });
    } else if (win === undefined) {
      win = assignment;
    } else if (row?.accumulates) {
      // Accumulating keywords keep every value; nothing is ignored.
    } else {
      ignored.push({ assignment, reason: "the first value wins" });
    }
  }
  if ((key === "proxycommand" || key === "proxyjump") && win && resolution.proxy?.assignment.source !== win.source) {
    ignored.unshift({ assignment: win, reason: "an earlier ProxyCommand or ProxyJump wins over both" });
    win = undefined;
  }
  const value =
    win === undefined ? undefined : row?.kind === "command" || key.startsWith("proxy") ? win.value : win.args.join(" ");
  return build(name, value, win?.source ?? { kind: "default" }, win, ignored);
}

function build(
  keyword: string,
  value: string | undefined,
  source: ValueSource,
  winner: Assignment | undefined,
  ignored: { assignment: Assignment; reason: string }[],
): ClientExplanation {
  const lines = [
    value === undefined
      ? `${keyword} is not set (OpenSSH's default applies)`
      : `${keyword} ${value} from ${formatSource(source)}`,
  ];
  for (const { assignment, reason } of ignored) {
    const written = `${assignment.keyword} ${assignment.args.join(" ")}`;
    lines.push(`  ignored: ${formatSource(assignment.source)} ${JSON.stringify(written)} (${reason})`);
  }
  return { keyword, value, source, winner, ignored, text: lines.join("\n") };
}
