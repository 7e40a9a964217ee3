import { createHash } from "node:crypto";

const TYPE_NAMES: Record<string, string> = {
  "ssh-ed25519": "ED25519",
  "ssh-rsa": "RSA",
  "ssh-dss": "DSA",
  "ecdsa-sha2-nistp256": "ECDSA",
  "ecdsa-sha2-nistp384": "ECDSA",
  "ecdsa-sha2-nistp521": "ECDSA",
};

/** The key type named in a public key blob (its first SSH string). */
export function blobType(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1");
}

/** sshkey_type's short name: `ED25519`, `RSA`, `ECDSA`. */
export function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type.toUpperCase();
}

/**
 * `SHA256:` and the unpadded base64 SHA-256 of a key blob, as ssh prints fingerprints.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./fingerprint.ts";
 * fingerprint(Buffer.from("x")).startsWith("SHA256:"); // true
 * ```
 */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}
