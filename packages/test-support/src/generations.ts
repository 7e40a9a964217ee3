import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A generation of real peers: the Debian release whose OpenSSH and Dropbear packages the tests run.
 *
 * - `bookworm`: Debian 12, the host's own packages (OpenSSH 9.2p1, Dropbear 2022.83).
 * - `trixie`: Debian 13 in a Debian root (OpenSSH 10.0p2, Dropbear 2025.89).
 * - `forky`: Debian testing in a Debian root (OpenSSH 10.6p1, Dropbear 2026.94).
 */
export type Generation = "bookworm" | "trixie" | "forky";

/** What one generation ships. */
export interface PeerGeneration {
  readonly generation: Generation;
  /** The OpenSSH release, as `@tsalive/config`'s `openssh` option names it. */
  readonly openssh: "9.2" | "10.0" | "10.6";
  /** The upstream versions, as `ssh -V` and `dropbear -V` print them (Debian's suffixes left off). */
  readonly opensshVersion: string;
  readonly dropbearVersion: string;
  /** Whether the binaries run on the host directly (`false`: in a Debian root, through {@linkcode peerCommand}). */
  readonly host: boolean;
}

/** Every generation the suites run against, oldest first. */
export const PEERS: Readonly<Record<Generation, PeerGeneration>> = {
  bookworm: { generation: "bookworm", openssh: "9.2", opensshVersion: "9.2p1", dropbearVersion: "2022.83", host: true },
  trixie: { generation: "trixie", openssh: "10.0", opensshVersion: "10.0p2", dropbearVersion: "2025.89", host: false },
  forky: { generation: "forky", openssh: "10.6", opensshVersion: "10.6p1", dropbearVersion: "2026.94", host: false },
};

/** The generations in order, oldest first. */
export const GENERATIONS: readonly Generation[] = ["bookworm", "trixie", "forky"];

/** Where the Debian roots are cached: `$TSALIVE_ROOTS`, by default `/var/cache/tsalive/roots`. */
export function rootsDir(): string {
  return process.env.TSALIVE_ROOTS ?? "/var/cache/tsalive/roots";
}

const ENSURE_ROOTS = join(dirname(fileURLToPath(import.meta.url)), "../../../scripts/ensure-roots.sh");

/**
 * The Debian root of `generation`, built by `scripts/ensure-roots.sh` when missing (about 40 s, once per machine);
 * `undefined` for the host's own generation.
 *
 * @throws {Error} when the root cannot be built (no root privileges, no mirror).
 */
export function rootOf(generation: Generation): string | undefined {
  if (PEERS[generation].host) return undefined;
  const root = join(rootsDir(), generation);
  if (!existsSync(join(root, "usr/sbin/sshd"))) {
    const built = spawnSync("bash", [ENSURE_ROOTS, generation], {
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 600_000,
    });
    if (built.status !== 0 || !existsSync(join(root, "usr/sbin/sshd"))) {
      throw new Error(`cannot build the ${generation} root in ${root}: scripts/ensure-roots.sh exited ${built.status}`);
    }
  }
  return root;
}

/**
 * The command line that runs `argv` (an absolute path inside the root, e.g. `/usr/sbin/sshd`) as `generation`'s
 * program. For a root it runs in a private mount namespace (`unshare --mount`) that binds the host's `/dev` (with
 * `/dev/pts` below it, for sessions with a pty) and `/tmp` and mounts a `/proc` inside the root before `chroot`: host paths under `/tmp` mean the same file on both
 * sides, and the mounts vanish with the last process of the namespace, so nothing is ever left mounted. The process
 * keeps its PID through every `exec`, so the PID spawn reports is the program's own (host PIDs: no PID namespace).
 *
 * @example
 * ```ts no-run
 * // no-run: needs the forky root (scripts/ensure-roots.sh).
 * import { spawnSync } from "node:child_process";
 * import { peerCommand } from "@tsalive/test-support";
 * const [command, ...args] = peerCommand("forky", ["/usr/bin/ssh", "-G", "example.org"]);
 * spawnSync(command!, args, { encoding: "utf8" }).stdout; // ssh 10.6's effective configuration
 * ```
 */
export function peerCommand(generation: Generation, argv: readonly string[]): [string, ...string[]] {
  const root = rootOf(generation);
  if (root === undefined) return [argv[0] ?? "", ...argv.slice(1)];
  // Absolute paths throughout: the caller's environment (and its PATH) is the program's.
  const script =
    'r=$0; /usr/bin/mount --rbind /dev "$r/dev" && /usr/bin/mount -t proc proc "$r/proc" && /usr/bin/mount --bind /tmp "$r/tmp" && /usr/bin/mkdir -p "$r/run/sshd" && exec /usr/sbin/chroot "$r" "$@"';
  return ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, root, ...argv];
}
