import type { Generation } from "./generations.ts";
import { spawnPeer } from "./peers.ts";
import type { Spawned } from "./process.ts";

/** Options of {@linkcode startDbclient}. */
export interface DbclientOptions {
  /** Whose dbclient: the host's Dropbear 2022.83 (`bookworm`, the default) or a newer one from a Debian root. */
  readonly generation?: Generation;
  readonly port: number;
  /** Default `127.0.0.1`; tests never use another address. */
  readonly host?: "127.0.0.1";
  readonly user: string;
  /**
   * Path of a Dropbear-format private key: convert an OpenSSH key with `toDropbearKey()` (every generation reads
   * the host's conversion); under `/tmp` for a root generation, which sees it at the same path.
   */
  readonly identity: string;
  /** The remote command; none asks for a shell. */
  readonly command?: string;
  /** Keep stdin open instead of `/dev/null`, so that the client sends no EOF on its session (see `spawnProcess`). */
  readonly openStdin?: boolean;
  /** More arguments, e.g. `["-K", "1"]` (keepalive every second) or `["-I", "5"]` (idle timeout). */
  readonly args?: readonly string[];
}

/**
 * Starts Dropbear's `dbclient` as a client of a server under test: `dbclient -y -y -i KEY -p P [args]
 * USER@127.0.0.1 [COMMAND]` (`-y -y` accepts any host key without asking), stdin from /dev/null (or open, `openStdin`), output captured;
 * `generation` picks whose dbclient (the PID is the dbclient's own in every one).
 * Returns the {@linkcode Spawned} handle; registered with `stopAll()`.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; needs a Dropbear or OpenSSH server on `port` that accepts `key`.
 * import { type KeyPair, startDbclient, toDropbearKey } from "@tsalive/test-support";
 * declare const port: number, key: KeyPair;
 * const db = startDbclient({ port, user: "root", identity: toDropbearKey(key), command: "sleep 30" });
 * db.freeze();
 * ```
 */
export function startDbclient(options: DbclientOptions): Spawned {
  const args = [
    "-y",
    "-y",
    "-i",
    options.identity,
    "-p",
    String(options.port),
    ...(options.args ?? []),
    `${options.user}@${options.host ?? "127.0.0.1"}`,
    ...(options.command === undefined ? [] : [options.command]),
  ];
  return spawnPeer(options.generation ?? "bookworm", "dbclient", args, { openStdin: options.openStdin === true });
}
