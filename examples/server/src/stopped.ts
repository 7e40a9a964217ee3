import type { StoppedProcess } from "@tsalive/ssh2-server";

/** What the supervisor cannot reach, said wherever it reports what it stopped. */
export const SETSID_ESCAPE =
  "a process that started a session of its own (setsid) and was reparented away is out of reach, as under sshd";

/**
 * The log line naming the processes a session's teardown stopped: `PID (COMMAND) SIGNAL`, each with the last
 * signal it was sent.
 *
 * @example
 * ```ts
 * import { describeStopped } from "./stopped.ts";
 * describeStopped("Watchdog", "user me 127.0.0.1 port 50000", [{ pid: 42, command: "sleep 600", signal: "SIGHUP" }]);
 * // "Watchdog: stopped 1 process of user me 127.0.0.1 port 50000: 42 (sleep 600) SIGHUP; a process that …"
 * ```
 */
export function describeStopped(what: string, peer: string, stopped: readonly StoppedProcess[]): string {
  const list = stopped.map(({ pid, command, signal }) => `${pid} (${command}) ${signal}`).join(", ");
  const count = `${stopped.length} process${stopped.length === 1 ? "" : "es"}`;
  return `${what}: stopped ${count} of ${peer}${stopped.length > 0 ? `: ${list}` : ""}; ${SETSID_ESCAPE}`;
}
