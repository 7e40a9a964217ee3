import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { makeTempDir } from "./tmp.ts";

/** An OpenSSH key pair on disk. */
export interface KeyPair {
  /** Path of the private key (OpenSSH format, no passphrase). */
  readonly privatePath: string;
  /** Path of the public key (`privatePath` + `.pub`). */
  readonly publicPath: string;
  /** The private key file's content, as ssh2's `privateKey` option takes it. */
  readonly privateKey: string;
  /** The public key line (`ssh-ed25519 AAAA… comment`), without the newline. */
  readonly publicKey: string;
}

/**
 * Generates a throwaway ed25519 key pair with `ssh-keygen` at `path` (and `path.pub`).
 *
 * @example
 * ```ts
 * import { generateKey, makeTempDir } from "@tsalive/test-support";
 * const dir = makeTempDir();
 * const key = generateKey(dir.join("client_key"));
 * key.publicKey.startsWith("ssh-ed25519 "); // true
 * dir.remove();
 * ```
 */
export function generateKey(path: string, comment = "tsalive-test"): KeyPair {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], { stdio: "pipe" });
  return {
    privatePath: path,
    publicPath: `${path}.pub`,
    privateKey: readFileSync(path, "utf8"),
    publicKey: readFileSync(`${path}.pub`, "utf8").trim(),
  };
}

/**
 * Returns a throwaway ed25519 private key, in the OpenSSH format ssh2's `hostKeys` option takes, made by `ssh-keygen`.
 * ssh2's own `utils.generateKeyPairSync("ed25519")` returns a key its `parseKey` refuses ("Malformed OpenSSH private
 * key") about once in 200 calls, which fails a suite at random: tests take their keys from here instead.
 *
 * @example
 * ```ts
 * import { generateHostKey } from "@tsalive/test-support";
 * generateHostKey().startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"); // true
 * ```
 */
export function generateHostKey(): string {
  const dir = makeTempDir("tsalive-host-key-");
  try {
    return generateKey(dir.join("host_key"), "tsalive-test-host").privateKey;
  } finally {
    dir.remove();
  }
}

/**
 * Writes an `authorized_keys` file holding the public keys of `keys`, mode 0600.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `dir` is a temporary folder, `clientKey` from generateKey().
 * import { type KeyPair, writeAuthorizedKeys } from "@tsalive/test-support";
 * declare const dir: { join(name: string): string }, clientKey: KeyPair;
 * writeAuthorizedKeys(dir.join("authorized_keys"), [clientKey]);
 * ```
 */
export function writeAuthorizedKeys(path: string, keys: readonly KeyPair[]): void {
  writeFileSync(path, keys.map((key) => `${key.publicKey}\n`).join(""), { mode: 0o600 });
}

/**
 * Generates a Dropbear host key (`dropbearkey -t ed25519`) at `path`.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `dir` is a temporary folder.
 * import { generateDropbearHostKey } from "@tsalive/test-support";
 * declare const dir: { join(name: string): string };
 * generateDropbearHostKey(dir.join("db_hostkey"));
 * ```
 */
export function generateDropbearHostKey(path: string): string {
  execFileSync("dropbearkey", ["-t", "ed25519", "-f", path], { stdio: "pipe" });
  return path;
}

/**
 * Converts an OpenSSH private key to Dropbear's format (`dropbearconvert openssh dropbear`), for `dbclient -i`.
 * Returns the path written, `key.privatePath + ".db"` by default.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `clientKey` from generateKey().
 * import { type KeyPair, toDropbearKey } from "@tsalive/test-support";
 * declare const clientKey: KeyPair;
 * const identity = toDropbearKey(clientKey); // dbclient -i identity
 * ```
 */
export function toDropbearKey(key: KeyPair, path = `${key.privatePath}.db`): string {
  execFileSync("dropbearconvert", ["openssh", "dropbear", key.privatePath, path], { stdio: "pipe" });
  return path;
}
