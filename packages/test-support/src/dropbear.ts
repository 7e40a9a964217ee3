import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Generation, PEERS, rootOf } from "./generations.ts";
import { generateDropbearHostKey, generateKey, type KeyPair, writeAuthorizedKeys } from "./keys.ts";
import { spawnPeer } from "./peers.ts";
import {
  childrenOf,
  descendantsOf,
  freePort,
  listProcesses,
  type Spawned,
  signal,
  waitForPort,
  waitUntil,
} from "./process.ts";
import { registerCleanup } from "./registry.ts";
import { makeTempDir, type TempDir } from "./tmp.ts";

/** Options of {@linkcode startDropbear}. */
export interface DropbearOptions {
  /** Whose Dropbear: the host's 2022.83 (`bookworm`, the default) or a newer one from a Debian root. */
  readonly generation?: Generation;
  /** Extra command-line arguments, e.g. `["-K", "1"]` (keepalive) or `["-I", "5"]` (idle timeout). */
  readonly args?: readonly string[];
  /** Bound on the start, in ms (default 10 000). */
  readonly startTimeout?: number;
}

/** A running Dropbear server on 127.0.0.1, from {@linkcode startDropbear}. */
export interface Dropbear {
  readonly generation: Generation;
  readonly host: "127.0.0.1";
  readonly port: number;
  /** PID of the listener (`dropbear -F`). */
  readonly pid: number;
  /**
   * The user to log in as: on `bookworm` a throwaway user (`tsalive-test-…`) created for this server and removed by
   * `stop()`; in a root generation `root`, whose authorized keys are read from a directory of this server's own.
   */
  readonly user: string;
  /** The client key in the user's authorized_keys; `clientKey.privateKey` goes to ssh2's `privateKey`. */
  readonly clientKey: KeyPair;
  /** Path of the Dropbear-format host key. */
  readonly hostKeyPath: string;
  readonly dir: TempDir;
  readonly process: Spawned;
  /** Dropbear's log so far (it logs to stderr with `-E`). */
  log(): string;
  /** Waits until the log matches `pattern`, bounded by `timeout` ms. */
  waitForLog(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  /** PIDs of the per-connection processes (the listener's children; a remote `echo $PPID` prints the same PID). */
  connectionPids(): number[];
  /** `pid`, every connection process and every session process below them. */
  allPids(): number[];
  /** Stops the server and its sessions, removes the throwaway user (or key directory) and the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const ATTEMPTS = 5;

/**
 * Starts Dropbear in the foreground on 127.0.0.1 with an ephemeral port and a throwaway host key. Dropbear 2022
 * reads `~/.ssh/authorized_keys` from the passwd entry and has no option for another path, so on `bookworm` the
 * login is a throwaway user created with `useradd -m` (no key ever goes into a real account). Dropbear 2025 and
 * later take the directory with `-D`: a root generation logs in as its own `root`, with the key in a directory of
 * this server's own inside the root (`/var/lib/tsalive/…`: Dropbear refuses a key under a group- or world-writable
 * directory, so not `/tmp`). Needs root. Registered with `stopAll()`.
 *
 * @example
 * ```ts no-run
 * // no-run: starts a real dropbear.
 * import { startDropbear } from "@tsalive/test-support";
 * const dropbear = await startDropbear();
 * // new Client().connect({ host: dropbear.host, port: dropbear.port, username: dropbear.user,
 * //   privateKey: dropbear.clientKey.privateKey })
 * ```
 */
export async function startDropbear(options: DropbearOptions = {}): Promise<Dropbear> {
  const generation = options.generation ?? "bookworm";
  const dir = makeTempDir("tsalive-dropbear-");
  let login: Login | undefined;
  try {
    const hostKeyPath = generateDropbearHostKey(dir.join("db_hostkey"));
    const clientKey = generateKey(dir.join("client_key"), "tsalive-test-client");
    login = PEERS[generation].host ? userLogin(clientKey) : rootLogin(generation, clientKey);
    const timeout = options.startTimeout ?? 10_000;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawnPeer(generation, "dropbear", [
        "-F",
        "-E",
        "-s",
        "-p",
        `127.0.0.1:${port}`,
        "-r",
        hostKeyPath,
        "-P",
        dir.join("db.pid"),
        ...login.args,
        ...(options.args ?? []),
      ]);
      try {
        await Promise.race([
          waitForPort(port, "127.0.0.1", timeout),
          child.exited.then((exit) => {
            throw new Error(`dropbear exited at start (${JSON.stringify(exit)})`);
          }),
        ]);
      } catch (error) {
        await child.stop();
        if (/Address already in use/i.test(child.output) && attempt < ATTEMPTS) continue;
        throw new Error(`${(error as Error).message}:\n${child.output}`, { cause: error });
      }
      const owner = login;
      let stopped: Promise<void> | undefined;
      const stop = (): Promise<void> => {
        stopped ??= (async () => {
          unregister();
          try {
            await child.stop();
          } finally {
            try {
              await owner.remove();
            } finally {
              dir.remove();
            }
          }
        })();
        return stopped;
      };
      const unregister = registerCleanup(`dropbear on port ${port}`, stop);
      return {
        generation,
        host: "127.0.0.1",
        port,
        pid: child.pid,
        user: owner.user,
        clientKey,
        hostKeyPath,
        dir,
        process: child,
        log: () => child.output,
        waitForLog: (pattern, wait = 10_000) => child.waitForOutput(pattern, wait),
        connectionPids: () => childrenOf(child.pid).map((entry) => entry.pid),
        allPids: () => [child.pid, ...descendantsOf(child.pid).map((entry) => entry.pid)],
        stop,
      };
    }
  } catch (error) {
    await login?.remove();
    dir.remove();
    throw error;
  }
}

/** Who logs in to a test Dropbear, the arguments that make its key count, and how to undo it. */
interface Login {
  readonly user: string;
  readonly args: readonly string[];
  remove(): Promise<void>;
}

/** Dropbear 2022: a throwaway user with the key in `~/.ssh/authorized_keys`. */
function userLogin(clientKey: KeyPair): Login {
  const user = createThrowawayUser();
  try {
    const sshDir = join(user.home, ".ssh");
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    writeAuthorizedKeys(join(sshDir, "authorized_keys"), [clientKey]);
    chownSync(sshDir, user.uid, user.gid);
    chownSync(join(sshDir, "authorized_keys"), user.uid, user.gid);
    chmodSync(sshDir, 0o700);
  } catch (error) {
    void user.remove();
    throw error;
  }
  return { user: user.name, args: [], remove: () => user.remove() };
}

/** Dropbear 2025+: root of the generation's root, the key in a directory of its own given with `-D`. */
function rootLogin(generation: Generation, clientKey: KeyPair): Login {
  const root = rootOf(generation) as string;
  const inside = `/var/lib/tsalive/dropbear-${randomBytes(4).toString("hex")}`;
  const keysDir = join(root, inside);
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  writeAuthorizedKeys(join(keysDir, "authorized_keys"), [clientKey]);
  const remove = (): void => {
    unregister();
    rmSync(keysDir, { recursive: true, force: true });
  };
  const unregister = registerCleanup(`dropbear keys ${keysDir}`, async () => remove(), remove);
  return { user: "root", args: ["-D", inside], remove: async () => remove() };
}

/** A passwd account created for one test server. */
export interface ThrowawayUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** Ends the user's processes and deletes the account with its home (`userdel -r`). Idempotent. */
  remove(): Promise<void>;
}

/**
 * Creates a user `tsalive-test-<random>` with a home directory (`useradd -m`), removed by `remove()`, by
 * `stopAll()`, or at the latest when the process exits. Needs root. Retries a bounded number of times when
 * another process holds the passwd lock.
 *
 * @example
 * ```ts no-run
 * // no-run: needs root (useradd).
 * import { createThrowawayUser } from "@tsalive/test-support";
 * const user = createThrowawayUser();
 * await user.remove();
 * ```
 */
export function createThrowawayUser(): ThrowawayUser {
  const name = `tsalive-test-${randomBytes(4).toString("hex")}`;
  passwdCommand("useradd", ["-m", "-s", "/bin/sh", name]);
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  const home = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((line) => line.startsWith(`${name}:`))
    ?.split(":")[5];
  if (home === undefined) throw new Error(`useradd ${name}: no passwd entry afterwards`);
  let removed = false;
  const removeSync = (): void => {
    if (removed) return;
    removed = true;
    unregister();
    for (const pid of pidsOfUid(uid)) {
      signal(pid, "SIGCONT");
      signal(pid, "SIGKILL");
    }
    passwdCommand("userdel", ["-r", "-f", name], true);
  };
  const unregister = registerCleanup(`user ${name}`, async () => removeSync(), removeSync);
  return {
    name,
    uid,
    gid,
    home,
    async remove() {
      if (removed) return;
      // Give the user's session processes a moment to end after their server stopped.
      await waitUntil(() => pidsOfUid(uid).length === 0, { timeout: 2000, what: `${name}'s processes` }).catch(
        () => {},
      );
      removeSync();
    },
  };
}

function pidsOfUid(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of listProcesses()) {
    try {
      const status = readFileSync(`/proc/${entry.pid}/status`, "utf8");
      const real = status.match(/^Uid:\s+(\d+)/m)?.[1];
      if (real !== undefined && Number(real) === uid && entry.stat !== "Z") pids.push(entry.pid);
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** useradd/userdel fail with "cannot lock /etc/passwd" while a concurrent run holds the lock: retry, bounded. */
function passwdCommand(command: string, args: readonly string[], quietFailure = false): void {
  let last = "";
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = spawnSync(command, args, { encoding: "utf8" });
    if (result.status === 0) return;
    last = `${command} ${args.join(" ")}: exit ${result.status}: ${result.stderr}`;
    if (!/lock/i.test(result.stderr)) break;
    // A synchronous pause: this also runs from the process's exit hook, where nothing asynchronous can.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  if (!quietFailure) throw new Error(last);
  process.stderr.write(`test-support: ${last}\n`);
}
