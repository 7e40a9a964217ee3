import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { type Generation, PEERS } from "./generations.ts";
import { generateKey, type KeyPair, writeAuthorizedKeys } from "./keys.ts";
import { spawnPeer } from "./peers.ts";
import { descendantsOf, freePort, type Spawned, waitUntil } from "./process.ts";
import { registerCleanup } from "./registry.ts";
import { makeTempDir, type TempDir } from "./tmp.ts";

/** Options of {@linkcode startSshd}. */
export interface SshdOptions {
  /** Whose sshd: the host's OpenSSH 9.2 (`bookworm`, the default) or a newer one from a Debian root. */
  readonly generation?: Generation;
  /**
   * sshd_config lines added to the base configuration, e.g. `["ClientAliveInterval 1", "ClientAliveCountMax 3"]`.
   * They come before the base lines, so they win (sshd takes the first value of a keyword); a `Match` line and
   * everything after it goes to the end of the file, where Match blocks belong.
   */
  readonly config?: readonly string[];
  /** Bound on the start, in ms (default 10 000). */
  readonly startTimeout?: number;
}

/** A running OpenSSH sshd on 127.0.0.1, from {@linkcode startSshd}. */
export interface Sshd {
  readonly generation: Generation;
  readonly host: "127.0.0.1";
  readonly port: number;
  /** PID of the listener (`sshd -D`), a host PID in every generation. */
  readonly pid: number;
  /** The user to log in as: the current user (root on CI; a root generation's own passwd has root too). */
  readonly user: string;
  /** The client key the server accepts; `clientKey.privateKey` goes to ssh2's `privateKey`. */
  readonly clientKey: KeyPair;
  readonly hostKey: KeyPair;
  readonly dir: TempDir;
  /** Path of the sshd_config written. */
  readonly configFile: string;
  /** Path of the log (`sshd -E`); the log has no timestamps, time events from the test side. */
  readonly logFile: string;
  readonly process: Spawned;
  /** The log so far. */
  log(): string;
  /** Waits until the log matches `pattern`, bounded by `timeout` ms. */
  waitForLog(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  /**
   * PIDs of the per-connection processes that carry each authenticated connection, the parent of its remote shell
   * (a remote `echo $PPID` prints the same PID): `sshd: root@notty`, the listener's child, in 9.2; in 10.x
   * `sshd-session: root@notty`, the child of the connection's monitor (`sshd-session: root [priv]`, `[postauth]` in
   * 10.6). Freeze one to make that connection vanish.
   */
  connectionPids(): number[];
  /** `pid`, every connection process and every session process below them: freeze these to freeze the server. */
  allPids(): number[];
  /** Stops the listener, every connection and session, and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const ATTEMPTS = 5;
/** The process title of the process that serves an authenticated connection: `sshd: root@notty`, `sshd-session: u@pts/0`. */
const SESSION_TITLE = /^sshd(?:-session)?: \S+@\S+$/;

/**
 * Starts OpenSSH's sshd in the foreground on 127.0.0.1 with an ephemeral port, a throwaway host key and a throwaway
 * client key, logging to a file; the files live under `/tmp`, which a root generation sees at the same path. sshd
 * 9.8 and later get `PerSourcePenalties no` (unless `config` says otherwise), so that tests that freeze or time out
 * clients from 127.0.0.1 do not get the address refused. Registered with `stopAll()`.
 *
 * @example
 * ```ts no-run
 * // no-run: starts real sshd peers, one of them from the forky root.
 * import { after } from "node:test";
 * import { startSshd, stopAll } from "@tsalive/test-support";
 * after(stopAll);
 * const sshd = await startSshd({ config: ["ClientAliveInterval 1"] });
 * const sshd106 = await startSshd({ generation: "forky" }); // OpenSSH 10.6
 * // new Client().connect({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.clientKey.privateKey })
 * ```
 */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const generation = options.generation ?? "bookworm";
  const dir = makeTempDir("tsalive-sshd-");
  try {
    // Privilege separation needs this directory; it is what the openssh-server package would create (a root
    // generation's peerCommand creates its own).
    if (PEERS[generation].host) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const hostKey = generateKey(dir.join("hostkey"), "tsalive-test-host");
    const clientKey = generateKey(dir.join("client_key"), "tsalive-test-client");
    writeAuthorizedKeys(dir.join("authorized_keys"), [clientKey]);
    const configFile = dir.join("sshd_config");
    const logFile = dir.join("sshd.log");
    const timeout = options.startTimeout ?? 10_000;
    const user = userInfo().username;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(configFile, configText(generation, port, dir, options.config ?? []));
      writeFileSync(logFile, "");
      const child = spawnPeer(generation, "sshd", ["-D", "-f", configFile, "-E", logFile]);
      const log = (): string => readFileSync(logFile, "utf8");
      const outcome = { inUse: false };
      try {
        await waitUntil(
          () => {
            const text = log();
            if (/Address already in use/.test(text)) {
              outcome.inUse = true;
              return true;
            }
            if (child.exitInfo !== undefined) {
              throw new Error(`sshd exited at start (${JSON.stringify(child.exitInfo)}):\n${text}${child.output}`);
            }
            return text.includes(`Server listening on 127.0.0.1 port ${port}.`);
          },
          { timeout, what: `sshd to listen on port ${port}` },
        );
      } catch (error) {
        await child.stop();
        throw error;
      }
      if (outcome.inUse) {
        await child.stop();
        if (attempt < ATTEMPTS) continue;
        throw new Error(`sshd: no free port after ${ATTEMPTS} attempts:\n${log()}`);
      }
      let stopped: Promise<void> | undefined;
      const stop = (): Promise<void> => {
        stopped ??= (async () => {
          unregister();
          try {
            await child.stop();
          } finally {
            dir.remove();
          }
        })();
        return stopped;
      };
      const unregister = registerCleanup(`sshd on port ${port}`, stop);
      return {
        generation,
        host: "127.0.0.1",
        port,
        pid: child.pid,
        user,
        clientKey,
        hostKey,
        dir,
        configFile,
        logFile,
        process: child,
        log,
        async waitForLog(pattern, wait = 10_000) {
          let match: RegExpMatchArray | null = null;
          await waitUntil(
            () => {
              match = log().match(pattern);
              return match !== null;
            },
            { timeout: wait, what: `the sshd log to match ${pattern}` },
          );
          return match as unknown as RegExpMatchArray;
        },
        connectionPids: () =>
          descendantsOf(child.pid)
            .filter((entry) => SESSION_TITLE.test(entry.args))
            .map((entry) => entry.pid),
        allPids: () => [child.pid, ...descendantsOf(child.pid).map((entry) => entry.pid)],
        stop,
      };
    }
  } catch (error) {
    dir.remove();
    throw error;
  }
}

function configText(generation: Generation, port: number, dir: TempDir, extra: readonly string[]): string {
  const matchAt = extra.findIndex((line) => /^\s*match\s/i.test(line));
  const before = matchAt === -1 ? extra : extra.slice(0, matchAt);
  const after = matchAt === -1 ? [] : extra.slice(matchAt);
  return `${[
    ...before,
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${dir.join("hostkey")}`,
    `PidFile ${dir.join("sshd.pid")}`,
    `AuthorizedKeysFile ${dir.join("authorized_keys")}`,
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "StrictModes no",
    // Since 9.8, sshd refuses an address for a while after auth failures, timeouts or crashes from it.
    ...(PEERS[generation].openssh === "9.2" ? [] : ["PerSourcePenalties no"]),
    ...after,
  ].join("\n")}\n`;
}
