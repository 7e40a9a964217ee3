const BRAND: unique symbol = Symbol.for("tsalive.error");

/**
 * The base class of every error tsalive throws or reports. `code` says what happened; `cause`, when present, is
 * the underlying error.
 *
 * Use {@linkcode isTsaliveError} rather than `instanceof` where two copies of the package may meet (bundles,
 * realms, a dependency that pins another version).
 *
 * @example
 * ```ts
 * import { TsaliveError } from "@tsalive/core";
 * const error = new TsaliveError("ALIVE_TIMEOUT", "Timeout, server example.com not responding.");
 * error.code; // "ALIVE_TIMEOUT"
 * ```
 */
export class TsaliveError<Code extends string = string> extends Error {
  override name: string = "TsaliveError";
  /** A stable, machine-readable identifier of the failure. */
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // A symbol from the global registry marks instances across realms and package copies.
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Whether `value` is a {@linkcode TsaliveError}, from this copy of the package or any other.
 *
 * @example
 * ```ts
 * import { isTsaliveError, TsaliveError } from "@tsalive/core";
 * isTsaliveError(new TsaliveError("IDLE_TIMEOUT", "idle")); // true
 * isTsaliveError(new Error("x")); // false
 * ```
 */
export function isTsaliveError(value: unknown): value is TsaliveError {
  return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}
