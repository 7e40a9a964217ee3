import { TsaliveError } from "./errors.ts";

/**
 * Why a {@linkcode LivenessMonitor} expired.
 *
 * - `ALIVE_TIMEOUT`: more than `countMax` probes went unanswered (OpenSSH `ServerAliveCountMax` /
 *   `ClientAliveCountMax`).
 * - `REPLY_TIMEOUT`: nothing arrived within `replyTimeout` of a probe (gRPC-style keepalive timeout).
 * - `WATCHDOG_EXPIRED`: nothing arrived for the watchdog timeout (`WatchdogTimeout` of the 2001 patch).
 * - `IDLE_TIMEOUT`: no traffic other than keepalives for the idle timeout (Dropbear `-I`).
 * - `TRANSPORT_FAILED`: the transport's `sendProbe()` or `sendHeartbeat()` threw; the error is the `cause`.
 */
export type LivenessCode = "ALIVE_TIMEOUT" | "REPLY_TIMEOUT" | "WATCHDOG_EXPIRED" | "IDLE_TIMEOUT" | "TRANSPORT_FAILED";

/**
 * The reason a {@linkcode LivenessMonitor} expired, delivered with its `expire` event.
 *
 * @example
 * ```ts
 * import { LivenessError } from "@tsalive/core";
 * const error = new LivenessError("ALIVE_TIMEOUT", 3000, 2);
 * error.message; // "no packet received for 3000 ms, 2 probes unanswered"
 * ```
 */
export class LivenessError extends TsaliveError<LivenessCode> {
  override name: string = "LivenessError";
  /** Milliseconds since the last inbound packet (for `IDLE_TIMEOUT`: since the last non-keepalive packet). */
  readonly silentFor: number;
  /** Probes sent since the last inbound packet and not answered. */
  readonly unansweredProbes: number;

  /**
   * @param options `cause`: the underlying error; `operation`: for `TRANSPORT_FAILED`, the transport function that
   * threw.
   */
  constructor(
    code: LivenessCode,
    silentFor: number,
    unansweredProbes: number,
    options?: { readonly cause?: unknown; readonly operation?: string },
  ) {
    super(code, describe(code, silentFor, unansweredProbes, options), options);
    this.silentFor = silentFor;
    this.unansweredProbes = unansweredProbes;
  }
}

function describe(
  code: LivenessCode,
  silentFor: number,
  unanswered: number,
  options: { readonly cause?: unknown; readonly operation?: string } | undefined,
): string {
  const ms = Math.round(silentFor);
  switch (code) {
    case "ALIVE_TIMEOUT":
    case "REPLY_TIMEOUT":
      return `no packet received for ${ms} ms, ${unanswered} probe${unanswered === 1 ? "" : "s"} unanswered`;
    case "WATCHDOG_EXPIRED":
      return `watchdog expired: no packet received for ${ms} ms`;
    case "IDLE_TIMEOUT":
      return `idle timeout: no traffic other than keepalives for ${ms} ms`;
    case "TRANSPORT_FAILED": {
      const cause = options?.cause;
      const reason = cause instanceof Error ? cause.message : String(cause);
      return `transport failed: ${options?.operation ?? "the transport"}() threw: ${reason}`;
    }
  }
}
