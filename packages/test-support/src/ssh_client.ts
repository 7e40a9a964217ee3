import type { Generation } from "./generations.ts";
import { spawnPeer } from "./peers.ts";
import type { Spawned } from "./process.ts";

/** Options of {@linkcode startSshClient}. */
export interface SshClientOptions {
  /** Whose ssh: the host's OpenSSH 9.2 (`bookworm`, the default) or a newer one from a Debian root. */
  readonly generation?: Generation;
  readonly port: number;
  /** Default `127.0.0.1`; tests never use another address. */
  readonly host?: "127.0.0.1";
  readonly user: string;
  /** Path of the OpenSSH private key (`-i`); under `/tmp` for a root generation, which sees it at the same path. */
  readonly identity: string;
  /** The remote command; none asks for a shell (give `-tt` in `args` for a pty). */
  readonly command?: string;
  /** `-o KEY=VALUE` options, e.g. `{ ServerAliveInterval: 1, ServerAliveCountMax: 3 }`. */
  readonly options?: Readonly<Record<string, string | number>>;
  /** Log with `-vvv` (every packet type, to stderr, captured in `output`); otherwise `LogLevel=ERROR`. */
  readonly verbose?: boolean;
  /** Keep stdin open instead of `/dev/null`, so that the client sends no EOF on its session (see `spawnProcess`). */
  readonly openStdin?: boolean;
  /** More arguments, before the destination. */
  readonly args?: readonly string[];
  /** Characters of output to keep (default 4 MiB: `-vvv` logs of long sessions are large). */
  readonly outputLimit?: number;
}

/**
 * Starts OpenSSH's `ssh` as a client of a server under test: `ssh -i KEY -p P -o StrictHostKeyChecking=no
 * -o UserKnownHostsFile=/dev/null -o BatchMode=yes [-vvv] [-o K=V …] USER@127.0.0.1 [COMMAND]`, stdin from
 * /dev/null (or open, `openStdin`), stdout and stderr captured; `generation` picks whose ssh (the PID is the ssh's
 * own in every one). Returns the {@linkcode Spawned} handle (freeze/thaw/stop, `exited`); registered with
 * `stopAll()`.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; needs a server on `port` that accepts `key`.
 * import { type KeyPair, startSshClient } from "@tsalive/test-support";
 * declare const port: number, key: KeyPair;
 * const ssh = startSshClient({ port, user: "root", identity: key.privatePath, command: "sleep 30",
 *   options: { ServerAliveInterval: 1 }, verbose: true });
 * await ssh.waitForOutput(/Authenticated to/);
 * ssh.freeze(); // the client vanishes with its socket open
 * ```
 */
export function startSshClient(options: SshClientOptions): Spawned {
  const args = [
    "-i",
    options.identity,
    "-p",
    String(options.port),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-F",
    "/dev/null",
    ...(options.verbose === true ? ["-vvv"] : ["-o", "LogLevel=ERROR"]),
    ...Object.entries(options.options ?? {}).flatMap(([key, value]) => ["-o", `${key}=${value}`]),
    ...(options.args ?? []),
    `${options.user}@${options.host ?? "127.0.0.1"}`,
    ...(options.command === undefined ? [] : [options.command]),
  ];
  return spawnPeer(options.generation ?? "bookworm", "ssh", args, {
    outputLimit: options.outputLimit ?? 4 * 1024 * 1024,
    openStdin: options.openStdin === true,
  });
}
