import { readdirSync, readFileSync } from "node:fs";

/** A process as the watchdog's log line names it. */
export interface GroupMember {
  readonly pid: number;
  readonly command: string;
}

/**
 * Every process in the given process groups, read from /proc (Linux): what a kill of those groups reaches. Empty
 * where /proc is not available.
 *
 * @example
 * ```ts
 * import { membersOfGroups } from "./process_groups.ts";
 * membersOfGroups([process.pid]); // this process when it leads its group
 * ```
 */
export function membersOfGroups(groups: readonly number[]): GroupMember[] {
  const wanted = new Set(groups);
  const members: GroupMember[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      const pgrp = Number(fields[2]);
      if (!wanted.has(pgrp)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      members.push({ pid: Number(entry), command: cmdline || stat.slice(stat.indexOf("(") + 1, close) });
    } catch {
      // gone meanwhile
    }
  }
  return members.sort((a, b) => a.pid - b.pid);
}
