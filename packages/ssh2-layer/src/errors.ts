/** The ssh2 releases the contract tests ran against. */
export const TESTED_SSH2_VERSIONS = "1.17.0";
/** The peer dependency range. */
export const SSH2_RANGE = "^1.17.0";

/**
 * The adapter's own `Ssh2CompatibilityError` class, which the guards throw. Each adapter keeps the public class
 * (its declaration ships in the adapter's types, which must not name this private layer); its message is
 * {@linkcode compatibilityMessage}.
 */
export type Incompatible = new (missing: string) => Error;

/**
 * The message of an adapter's `Ssh2CompatibilityError`: the adapter, the missing piece and the ssh2 versions the
 * adapters were tested with.
 *
 * @example
 * ```ts
 * import { compatibilityMessage } from "@tsalive/ssh2-layer";
 * compatibilityMessage("@tsalive/ssh2-client", "Protocol#ping");
 * // "@tsalive/ssh2-client cannot attach: this ssh2 has no usable Protocol#ping (tested with ssh2 1.17.0; …)"
 * ```
 */
export function compatibilityMessage(adapter: string, missing: string): string {
  return `${adapter} cannot attach: this ssh2 has no usable ${missing} (tested with ssh2 ${TESTED_SSH2_VERSIONS}; supported range ${SSH2_RANGE})`;
}
