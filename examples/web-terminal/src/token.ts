import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A fresh reattach token: 32 random bytes, base64url. A session holds one at a time; each use replaces it.
 *
 * @example
 * ```ts
 * import { newToken, sameToken } from "./token.ts";
 * const token = newToken();
 * token.length; // 43
 * sameToken(token, token); // true
 * sameToken(token, newToken()); // false
 * ```
 */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Compares two tokens in time that does not depend on where they differ. */
export function sameToken(expected: string, received: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
}
