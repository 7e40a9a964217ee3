/**
 * The delay before reconnect attempt `attempt` (0-based): 1 s doubling up to `cap` (60 s), as autossh users expect
 * from a supervisor that must not hammer a host that is down.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "./backoff.ts";
 * [0, 1, 2, 6, 10].map((n) => backoffDelay(n)); // [1000, 2000, 4000, 60000, 60000]
 * ```
 */
export function backoffDelay(attempt: number, base = 1000, cap = 60_000): number {
  return Math.min(cap, base * 2 ** Math.min(attempt, 30));
}
