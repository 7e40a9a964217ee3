import { asciiLower } from "../parse.ts";
import { type Assignment, formatSource, type ValueSource } from "../source.ts";
import { LAST_WINS } from "./_last_wins.ts";
import { serverWinner } from "./_winner.ts";
import type { ResolvedServerConfig } from "./config.ts";
import { SERVER_EXTENSION_KEYWORDS, serverKeywords } from "./keywords.ts";

/** Why a server keyword has its value: the line that won and the lines that lost, in reading order. */
export interface ServerExplanation {
  /** The keyword as the manual spells it. */
  readonly keyword: string;
  /** The winning line's arguments as written (`undefined`: not set, sshd's default applies). */
  readonly value: string | undefined;
  readonly source: ValueSource;
  /**
   * The line that won, with its arguments as read (`undefined`: not set, or a keyword whose lines accumulate,
   * such as Port or AcceptEnv): what to read for a keyword tsalive does not type (PermitOpen, ForceCommand…).
   */
  readonly winner: Assignment | undefined;
  /** Active lines that also set it but lost, each with the reason. */
  readonly ignored: readonly { readonly assignment: Assignment; readonly reason: string }[];
  /** All of the above in a sentence per line, for people. */
  readonly text: string;
}

const ACCUMULATE = new Set(["port", "hostkey", "listenaddress", "acceptenv"]);

/**
 * Explains one keyword of a resolved server configuration: which line set it (a `Match` block line beats the
 * global one), and which lines were ignored and why.
 *
 * @example
 * ```ts
 * import { explainServerConfig, resolveServerConfig } from "@tsalive/config";
 * const resolved = resolveServerConfig({
 *   config: { file: "sshd_config", text: "ClientAliveInterval 30\nMatch User backup\n  ClientAliveInterval 5\n" },
 *   connection: { user: "backup" },
 *   extensions: null,
 * });
 * explainServerConfig(resolved, "ClientAliveInterval").text;
 * // ClientAliveInterval 5 from sshd_config line 3 (Match block)
 * //   ignored: sshd_config line 1 "ClientAliveInterval 30" (a matching Match block overrides the global value)
 * ```
 */
export function explainServerConfig(resolved: ResolvedServerConfig, keyword: string): ServerExplanation {
  const key0 = asciiLower(keyword);
  const table = serverKeywords(resolved.resolution.openssh);
  const row = table.get(key0) ?? SERVER_EXTENSION_KEYWORDS.get(key0);
  const key = row?.alias ?? key0;
  const name = (table.get(key) ?? row)?.name ?? keyword;
  const assignments = resolved.resolution.settings.get(key)?.assignments ?? [];
  if (ACCUMULATE.has(key)) {
    const global = assignments.filter((a) => a.pass === 1);
    const text = global.map((a) => `${name} ${a.value} from ${formatSource(a.source)}`).join("\n");
    return {
      keyword: name,
      value: global.length > 0 ? global.map((a) => a.value).join(" ") : undefined,
      source: global[0]?.source ?? { kind: "default" },
      winner: undefined,
      ignored: [],
      text: text || `${name}: sshd's default`,
    };
  }
  const winner =
    key === "unusedconnectiontimeout"
      ? resolved.sources.unusedConnectionTimeout.kind === "default"
        ? undefined
        : assignments.find((a) => a.source === resolved.sources.unusedConnectionTimeout)
      : serverWinner(resolved.resolution, key);
  // A line in a `Match All` block is read by both passes: show each line once, and never the winner as ignored.
  const same = (a: Assignment, b: Assignment | undefined) =>
    b !== undefined && formatSource(a.source) === formatSource(b.source);
  const ignored = assignments
    .filter((a, index) => !same(a, winner) && assignments.findIndex((b) => same(a, b)) === index)
    .map((assignment) => ({
      assignment,
      reason:
        winner?.pass === 2 && assignment.pass === 1
          ? "a matching Match block overrides the global value"
          : key === "unusedconnectiontimeout" && (winner?.args[0] ?? "").toLowerCase() === "none"
            ? 'a later "none" overrides it (servconf.c)'
            : LAST_WINS[resolved.resolution.openssh].includes(key)
              ? "the last value wins for this keyword in this release"
              : "the first value wins",
    }));
  const head = winner
    ? `${name} ${winner.value} from ${formatSource(winner.source)}${winner.pass === 2 ? " (Match block)" : ""}`
    : `${name}: sshd's default`;
  const lines = [
    head,
    ...ignored.map(
      (i) =>
        `  ignored: ${formatSource(i.assignment.source)} "${i.assignment.keyword} ${i.assignment.value}" (${i.reason})`,
    ),
  ];
  return {
    keyword: name,
    value: winner?.value,
    source: winner?.source ?? { kind: "default" },
    winner,
    ignored,
    text: lines.join("\n"),
  };
}
