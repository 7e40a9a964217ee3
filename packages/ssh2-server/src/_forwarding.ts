/**
 * The monitor's `probe`, `reply` and `heartbeat` events, forwarded to a connection's listeners (its handle's and
 * the server handle's) only once someone listens: an idle connection pays nothing for them. A bit per event.
 */
import type { LivenessMonitor } from "@tsalive/core";
import type { ConnectionState } from "./_state.ts";
import type { ConnectionLivenessEvents } from "./connection_events.ts";

export const FORWARDED = [
  [1, "probe"],
  [2, "reply"],
  [4, "heartbeat"],
] as const;

/** The bit of a forwarded event, `0` for the others. */
export function bitOf(event: keyof ConnectionLivenessEvents): number {
  return event === "probe" ? 1 : event === "reply" ? 2 : event === "heartbeat" ? 4 : 0;
}

/** Forwards the monitor's event of `bit` to the connection's listeners. */
export function subscribe(state: ConnectionState, monitor: LivenessMonitor, bit: number): void {
  if (bit === 1) {
    monitor.on("probe", ({ unanswered }) =>
      state.emit("probe", { unanswered, via: state.lastProbeOnChannel ? "channel" : "global" }),
    );
  } else if (bit === 2) monitor.on("reply", (payload) => state.emit("reply", payload));
  else monitor.on("heartbeat", () => state.emit("heartbeat", undefined));
}
