import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The real SSH programs integration tests can run against. */
export type Peer = "sshd" | "ssh" | "dropbear" | "dbclient";

/** What each peer needs: binaries (absolute, or looked up in PATH) and whether it must run as root. */
const NEEDS: Record<Peer, { readonly binaries: readonly string[]; readonly root: boolean }> = {
  // sshd needs /run/sshd and privilege separation; tests log in as root.
  sshd: { binaries: ["/usr/sbin/sshd", "ssh-keygen"], root: true },
  ssh: { binaries: ["ssh", "ssh-keygen"], root: false },
  // Dropbear 2022 reads ~/.ssh/authorized_keys from passwd: tests create a throwaway user, which takes root.
  dropbear: { binaries: ["dropbear", "dropbearkey", "ssh-keygen", "useradd", "userdel"], root: true },
  dbclient: { binaries: ["dbclient", "dropbearconvert", "ssh-keygen"], root: false },
};

const PATHS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The absolute path of `binary` (searched in PATH and the usual sbin directories), or `undefined`. */
export function findBinary(binary: string): string | undefined {
  const candidates = binary.includes("/")
    ? [binary]
    : [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...PATHS].map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Why the given peers cannot run here, or `false` when they can: pass it as node:test's `skip` option. Under
 * `CI=true` a missing peer is not a reason to skip: this throws instead, so CI never goes green by skipping
 * (`scripts/ensure-peers.sh` installs the peers there).
 *
 * @example
 * ```ts
 * import { describe, it } from "node:test";
 * import { skipUnlessPeers } from "@tsalive/test-support";
 * describe("against OpenSSH", { skip: skipUnlessPeers("sshd") }, () => {
 *   it("connects", () => {});
 * });
 * ```
 */
export function skipUnlessPeers(...peers: Peer[]): false | string {
  const missing: string[] = [];
  for (const peer of peers) {
    const needs = NEEDS[peer];
    for (const binary of needs.binaries) {
      if (findBinary(binary) === undefined) missing.push(binary);
    }
    if (needs.root && process.getuid?.() !== 0) missing.push(`root (for ${peer})`);
  }
  if (missing.length === 0) return false;
  const reason = `needs ${[...new Set(missing)].join(", ")}; install openssh-client openssh-server dropbear-bin (scripts/ensure-peers.sh) and run as root`;
  if (process.env.CI === "true") throw new Error(`CI=true never skips peer tests: ${reason}`);
  return reason;
}
