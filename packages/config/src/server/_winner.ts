import type { Assignment } from "../source.ts";
import { LAST_WINS } from "./_last_wins.ts";
import type { ServerResolution } from "./resolve.ts";

/** The active lines of one pass: 1 the global configuration, 2 the matching `Match` blocks. */
export function passAssignments(resolution: ServerResolution, key: string, which: 1 | 2): Assignment[] {
  return (resolution.settings.get(key)?.assignments ?? []).filter((a) => a.pass === which);
}

/**
 * The assignment sshd uses for a single-valued keyword: a line of a matching `Match` block overrides the global
 * value; within a pass the first line wins (`-o` options before the file), except for the keywords servconf.c
 * stores without checking for a value ({@linkcode LAST_WINS}: MaxStartups, IPQoS… before 10.6), where the last
 * line wins.
 *
 * @example
 * ```ts
 * import { readServerConfig } from "./resolve.ts";
 * import { serverWinner } from "./_winner.ts";
 * const text = "MaxSessions 10\nMaxStartups 10\nMaxStartups 20\nMatch User ann\n  MaxSessions 2\n";
 * const resolution = readServerConfig({ config: { text }, connection: { user: "ann" }, extensions: null, openssh: "9.2" });
 * serverWinner(resolution, "maxsessions")?.args; // ["2"]
 * serverWinner(resolution, "maxstartups")?.source; // { kind: "file", file: undefined, line: 3 }
 * ```
 */
export function serverWinner(resolution: ServerResolution, key: string): Assignment | undefined {
  const lastWins = LAST_WINS[resolution.openssh].includes(key);
  const pick = (list: readonly Assignment[]) => (lastWins ? list[list.length - 1] : list[0]);
  return pick(passAssignments(resolution, key, 2)) ?? pick(passAssignments(resolution, key, 1));
}
