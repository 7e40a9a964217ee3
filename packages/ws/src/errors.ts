import { type LivenessCode, type LivenessError, TsaliveError } from "@tsalive/core";

/** The mechanisms that end a WebSocket: the ones of `@tsalive/core` the adapters run. */
export type WsTimeoutCode = Exclude<LivenessCode, "IDLE_TIMEOUT">;

/**
 * Why a WebSocket was ended, emitted as the handle's `timeout` event and kept as `handle.error`. The `cause` is
 * core's `LivenessError`, with `silentFor` (ms since the last inbound byte or message) and `unansweredProbes`.
 *
 * @example
 * ```ts
 * import { WsTimeoutError } from "@tsalive/ws";
 * const error = new WsTimeoutError("ALIVE_TIMEOUT", 900, 2);
 * error.message; // "WebSocket peer not responding: nothing received for 900 ms, 2 probes unanswered"
 * ```
 */
export class WsTimeoutError extends TsaliveError<WsTimeoutCode> {
  override name: string = "WsTimeoutError";
  /** Milliseconds since the last inbound byte (Node) or message (browser entry). */
  readonly silentFor: number;
  /** Probes sent since then and not answered. */
  readonly unansweredProbes: number;

  constructor(code: WsTimeoutCode, silentFor: number, unansweredProbes: number, options?: { cause?: unknown }) {
    super(code, describe(code, silentFor, unansweredProbes), options);
    this.silentFor = silentFor;
    this.unansweredProbes = unansweredProbes;
  }

  /** The error for a monitor's `expire`. */
  static from(error: LivenessError): WsTimeoutError {
    // The adapters never enable the idle timeout, so a monitor of theirs cannot expire with IDLE_TIMEOUT.
    const code = error.code === "IDLE_TIMEOUT" ? "WATCHDOG_EXPIRED" : error.code;
    return new WsTimeoutError(code, error.silentFor, error.unansweredProbes, { cause: error });
  }
}

function describe(code: WsTimeoutCode, silentFor: number, unanswered: number): string {
  const ms = Math.round(silentFor);
  if (code === "WATCHDOG_EXPIRED") return `WebSocket watchdog expired: nothing received for ${ms} ms`;
  return `WebSocket peer not responding: nothing received for ${ms} ms, ${unanswered} probe${unanswered === 1 ? "" : "s"} unanswered`;
}
