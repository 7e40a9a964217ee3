/**
 * What the page knows about its two legs, and the status line it shows. Pure: the page renders it every time
 * something changes and on a 250 ms tick while a countdown runs.
 */

/** Where the page is. */
export type Phase = "connecting" | "up" | "reconnecting" | "ended";

/** The page's view of both legs. */
export interface PageState {
  readonly phase: Phase;
  /** `user@host` of the SSH leg, once the session is ready. */
  readonly target?: string | undefined;
  /** The browser leg's last probe round trip, ms (measured by the page). */
  readonly browserRtt?: number | undefined;
  /** The SSH leg's last probe round trip, ms (measured by the server). */
  readonly sshRtt?: number | undefined;
  /** Why the browser leg is down (while reconnecting). */
  readonly downReason?: string | undefined;
  /** When the next reattach attempt starts (`performance.now()` ms); `undefined` while one is under way. */
  readonly nextAttemptAt?: number | undefined;
  /** Until when the server keeps the session without a page (`performance.now()` ms). */
  readonly graceUntil?: number | undefined;
  /** Output bytes that fell out of the server's replay buffer at the last reattach. */
  readonly dropped?: number | undefined;
  /** Why the session ended (or was refused). */
  readonly endReason?: string | undefined;
  /** Whether the SSH leg died (rather than the session closing normally). */
  readonly sshDown?: boolean | undefined;
}

const ms = (value: number | undefined): string => (value === undefined ? "–" : `${value.toFixed(1)} ms`);
const seconds = (value: number): string => `${Math.max(0, Math.ceil(value / 1000))} s`;

/**
 * The status line for `state` at time `now`.
 *
 * @example
 * ```ts
 * import { statusText } from "./status.ts";
 * statusText({ phase: "up", target: "me@web", browserRtt: 1.25, sshRtt: 0.5 }, 0);
 * // "connected to me@web · browser leg up, rtt 1.3 ms · ssh leg up, rtt 0.5 ms"
 * statusText({ phase: "reconnecting", downReason: "WebSocket closed", nextAttemptAt: 1500, graceUntil: 60_000 }, 0);
 * // "browser leg down (WebSocket closed) · reconnecting… in 2 s · session kept by the server for 60 s"
 * statusText({ phase: "ended", endReason: "Timeout, server web not responding.", sshDown: true }, 0);
 * // "ssh leg down · session ended: Timeout, server web not responding."
 * ```
 */
export function statusText(state: PageState, now: number): string {
  switch (state.phase) {
    case "connecting":
      return "connecting…";
    case "up": {
      const parts = [
        `connected to ${state.target ?? "?"}`,
        `browser leg up, rtt ${ms(state.browserRtt)}`,
        `ssh leg up, rtt ${ms(state.sshRtt)}`,
      ];
      if (state.dropped !== undefined && state.dropped > 0)
        parts.push(`${state.dropped} bytes of output dropped while away`);
      return parts.join(" · ");
    }
    case "reconnecting": {
      const when = state.nextAttemptAt === undefined ? "now" : `in ${seconds(state.nextAttemptAt - now)}`;
      const kept =
        state.graceUntil === undefined ? "" : ` · session kept by the server for ${seconds(state.graceUntil - now)}`;
      return `browser leg down (${state.downReason ?? "lost"}) · reconnecting… ${when}${kept}`;
    }
    case "ended":
      return `${state.sshDown === true ? "ssh leg down · " : ""}session ended: ${state.endReason ?? "?"}`;
  }
}
