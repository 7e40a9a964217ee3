import { createHash } from "node:crypto";

const TYPE_NAMES: Record<string, string> = {
  "ssh-ed25519": "ED25519",
  "ssh-rsa": "RSA",
  "ssh-dss": "DSA",
  "ecdsa-sha2-nistp256": "ECDSA",
  "ecdsa-sha2-nistp384": "ECDSA",
  "ecdsa-sha2-nistp521": "ECDSA",
};

/**
 * A key as sshd logs it: `ED25519 SHA256:…` (sshkey_type and the unpadded base64 SHA-256 of the key blob).
 *
 * @example
 * ```ts
 * import { fingerprint } from "./fingerprint.ts";
 * fingerprint("ssh-ed25519", Buffer.from("blob")).startsWith("ED25519 SHA256:"); // true
 * ```
 */
export function fingerprint(type: string, blob: Uint8Array): string {
  const hash = createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
  return `${TYPE_NAMES[type] ?? type.toUpperCase()} SHA256:${hash}`;
}
