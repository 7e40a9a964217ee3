/** RFC 4254 §5.1's reason codes, as channels.c reason2txt words them. */
const REASONS: Readonly<Record<number, string>> = {
  1: "administratively prohibited",
  2: "connect failed",
  3: "unknown channel type",
  4: "resource shortage",
};

/** The server's description of a failed channel open, from ssh2's error (`(SSH) Channel open failure: …`). */
export function openFailureDescription(error: Error): string {
  return error.message.replace(/^\(SSH\) Channel open failure: /, "");
}

/**
 * ssh's line for a channel the server would not open: `channel N: open failed: REASON: DESCRIPTION` (logged at
 * INFO by channels.c channel_input_open_failure).
 *
 * @example
 * ```ts
 * import { openFailureMessage } from "./channel_failure.ts";
 * const error = Object.assign(new Error("(SSH) Channel open failure: Connection refused"), { reason: 2 });
 * openFailureMessage(0, error); // "channel 0: open failed: connect failed: Connection refused"
 * ```
 */
export function openFailureMessage(channel: number, error: Error & { reason?: unknown }): string {
  const reason = typeof error.reason === "number" ? (REASONS[error.reason] ?? "unknown reason") : "connect failed";
  const description = openFailureDescription(error);
  return `channel ${channel}: open failed: ${reason}${description === "" ? "" : `: ${description}`}`;
}

/** strerror(3)'s words for the errno codes a listen or connect fails with, as ssh prints them. */
const STRERROR: Readonly<Record<string, string>> = {
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EACCES: "Permission denied",
  ECONNREFUSED: "Connection refused",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  ETIMEDOUT: "Connection timed out",
  EAFNOSUPPORT: "Address family not supported by protocol",
};

/** The strerror text of a Node system error (its `code`), or its message when the code is not one of these. */
export function strerror(error: Error & { code?: unknown }): string {
  return (typeof error.code === "string" ? STRERROR[error.code] : undefined) ?? error.message;
}
