/**
 * The OpenSSH releases whose configuration semantics `@tsalive/config` reproduces.
 *
 * @module
 */

/**
 * An OpenSSH release tsalive is exact to: what `ssh -G` and `sshd -T` of that release accept, print and reject.
 * `"9.2"` is Debian 12's OpenSSH 9.2p1, `"10.0"` Debian 13's 10.0p2, `"10.6"` 10.6p1 (Debian forky), each as
 * Debian builds it (with GSSAPI where that release's package has it).
 *
 * @example
 * ```ts
 * import type { OpenSshVersion } from "@tsalive/config";
 * const version: OpenSshVersion = "10.0";
 * ```
 */
export type OpenSshVersion = "9.2" | "10.0" | "10.6";

/**
 * Every supported release, oldest first.
 *
 * @example
 * ```ts
 * import { OPENSSH_VERSIONS } from "@tsalive/config";
 * OPENSSH_VERSIONS.includes("10.6"); // true
 * ```
 */
export const OPENSSH_VERSIONS: readonly OpenSshVersion[] = ["9.2", "10.0", "10.6"];

/**
 * The release used when no `openssh` option is given: the newest.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPENSSH_VERSION } from "@tsalive/config";
 * DEFAULT_OPENSSH_VERSION; // "10.6"
 * ```
 */
export const DEFAULT_OPENSSH_VERSION: OpenSshVersion = "10.6";

/**
 * Checks an `openssh` option where it comes in; `undefined` gives {@linkcode DEFAULT_OPENSSH_VERSION}.
 *
 * @throws {RangeError} for anything but a supported release.
 * @example
 * ```ts
 * import { opensshVersion } from "./openssh_version.ts";
 * opensshVersion(undefined); // "10.6"
 * opensshVersion("9.2"); // "9.2"
 * ```
 */
export function opensshVersion(value: unknown, what = "config"): OpenSshVersion {
  if (value === undefined) return DEFAULT_OPENSSH_VERSION;
  if (typeof value === "string" && (OPENSSH_VERSIONS as readonly string[]).includes(value)) {
    return value as OpenSshVersion;
  }
  throw new RangeError(
    `Cannot read ${what}: "openssh" must be one of ${OPENSSH_VERSIONS.map((v) => `"${v}"`).join(", ")}, received ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
  );
}

/**
 * Whether `version` is `since` or newer (`atLeast("10.0", "9.9")` is true).
 *
 * @example
 * ```ts
 * import { opensshAtLeast } from "./openssh_version.ts";
 * opensshAtLeast("10.0", "9.4"); // true
 * opensshAtLeast("9.2", "9.4"); // false
 * ```
 */
export function opensshAtLeast(version: OpenSshVersion, since: string): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  const [c = 0, d = 0] = since.split(".").map(Number);
  return a !== c ? a > c : b >= d;
}
