import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type Generation, PEERS, peerCommand, rootOf, rootsDir } from "./generations.ts";
import { type Spawned, type SpawnProcessOptions, spawnProcess } from "./process.ts";

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

/** Where Debian's packages put each peer's program, in every generation's root. */
const PROGRAMS: Record<Peer, string> = {
  sshd: "/usr/sbin/sshd",
  ssh: "/usr/bin/ssh",
  dropbear: "/usr/sbin/dropbear",
  dbclient: "/usr/bin/dbclient",
};

/** Host tools the launchers use for every generation (keys are made on the host, in formats every release reads). */
const HOST_TOOLS: Record<Peer, readonly string[]> = {
  sshd: ["ssh-keygen"],
  ssh: ["ssh-keygen"],
  dropbear: ["dropbearkey", "ssh-keygen"],
  dbclient: ["dropbearconvert", "ssh-keygen"],
};

/**
 * {@linkcode skipUnlessPeers} for one generation: `bookworm` asks exactly that; a generation in a Debian root needs
 * root privileges (a mount namespace and chroot), the root itself (built here, once, when missing and this process
 * is root: about 40 s) with the peers' programs in it, and the host tools that make the keys. Under `CI=true` it
 * throws instead of skipping.
 *
 * @example
 * ```ts
 * import { describe, it } from "node:test";
 * import { GENERATIONS, skipUnlessGeneration } from "@tsalive/test-support";
 * for (const generation of GENERATIONS) {
 *   describe(generation, { skip: skipUnlessGeneration(generation, "sshd") }, () => {
 *     it("connects", () => {});
 *   });
 * }
 * ```
 */
export function skipUnlessGeneration(generation: Generation, ...peers: Peer[]): false | string {
  if (PEERS[generation].host) return skipUnlessPeers(...peers);
  const missing: string[] = [];
  for (const peer of peers) {
    for (const tool of HOST_TOOLS[peer]) if (findBinary(tool) === undefined) missing.push(tool);
  }
  if (findBinary("unshare") === undefined) missing.push("unshare");
  if (process.getuid?.() !== 0) missing.push(`root (for the ${generation} root's mount namespace)`);
  else {
    let root: string | undefined;
    try {
      root = rootOf(generation);
    } catch (error) {
      missing.push((error as Error).message);
    }
    if (root !== undefined) {
      for (const peer of peers)
        if (!existsSync(join(root, PROGRAMS[peer]))) missing.push(`${generation}'s ${PROGRAMS[peer]}`);
    }
  }
  if (missing.length === 0) return false;
  const reason = `${generation} peers need ${[...new Set(missing)].join(", ")}; run scripts/ensure-peers.sh as root (it builds the roots in ${rootsDir()})`;
  if (process.env.CI === "true") throw new Error(`CI=true never skips peer tests: ${reason}`);
  return reason;
}

/**
 * Starts `generation`'s `peer` program with `args`: the host's binary for `bookworm`, the root's through
 * {@linkcode peerCommand} otherwise. The handle's PID is the program's own (every step of the chain `exec`s), so
 * freezing and stopping it act on the peer itself. Registered with `stopAll()`.
 *
 * @example
 * ```ts no-run
 * // no-run: needs the forky root (scripts/ensure-roots.sh).
 * import { spawnPeer } from "@tsalive/test-support";
 * const ssh = spawnPeer("forky", "ssh", ["-V"]);
 * await ssh.waitForOutput(/OpenSSH_10\.6/);
 * ```
 */
export function spawnPeer(
  generation: Generation,
  peer: Peer,
  args: readonly string[],
  options: SpawnProcessOptions = {},
): Spawned {
  const name = options.name ?? (PEERS[generation].host ? peer : `${peer} (${generation})`);
  if (PEERS[generation].host) {
    const binary = findBinary(PROGRAMS[peer]) ?? findBinary(peer);
    if (binary === undefined) throw new Error(`${peer} is not installed (scripts/ensure-peers.sh installs it)`);
    return spawnProcess(binary, args, { ...options, name });
  }
  const [command, ...rest] = peerCommand(generation, [PROGRAMS[peer], ...args]);
  return spawnProcess(command, rest, { ...options, name });
}
