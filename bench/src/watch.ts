/** Polls the process table for when processes disappear, so the bench can time deaths it does not parent. */
import { descendantsOf, isRunning, listProcesses, type ProcessEntry } from "@tsalive/test-support";
import { epochNow, sleep } from "./log.ts";

/** How often the process table is read while waiting. */
const POLL = 5;

/**
 * Resolves with, for each pid, when it was first seen gone ({@linkcode epochNow}), or `undefined` for those still
 * running at `deadline` (epoch ms). Bounded by the deadline.
 */
export async function goneTimes(pids: readonly number[], deadline: number): Promise<Map<number, number | undefined>> {
  const result = new Map<number, number | undefined>(pids.map((pid) => [pid, undefined]));
  let pending = [...pids];
  while (pending.length > 0 && epochNow() < deadline) {
    const now = epochNow();
    pending = pending.filter((pid) => {
      if (isRunning(pid)) return true;
      result.set(pid, now);
      return false;
    });
    if (pending.length > 0) await sleep(POLL);
  }
  return result;
}

/** Processes whose command line contains `marker`. */
export function findByMarker(marker: string, table: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  return table.filter((entry) => entry.args.includes(marker) && entry.pid !== process.pid);
}

/** `pid` and everything below it. */
export function treeOf(pid: number): number[] {
  return [pid, ...descendantsOf(pid).map((entry) => entry.pid)];
}
