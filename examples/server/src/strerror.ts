/** strerror(3)'s words for the errno codes a listen or a connect fails with, as sshd logs and sends them. */
const STRERROR: Readonly<Record<string, string>> = {
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EACCES: "Permission denied",
  ECONNREFUSED: "Connection refused",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  ETIMEDOUT: "Connection timed out",
};

/**
 * The strerror text of a Node system error (its `code`), or its message for a code not listed.
 *
 * @example
 * ```ts
 * import { strerror } from "./strerror.ts";
 * strerror(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })); // "Connection refused"
 * ```
 */
export function strerror(error: Error & { code?: unknown }): string {
  return (typeof error.code === "string" ? STRERROR[error.code] : undefined) ?? error.message;
}
