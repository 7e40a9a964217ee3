/**
 * Node defaults for the runtime-agnostic resolvers: the real file system, the current user, and `Match exec`
 * through `/bin/sh -c` as ssh runs it. Deno and Bun run this entry through their Node compatibility.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir, hostname, networkInterfaces, userInfo } from "node:os";
import { type ConfigFileSystem, fileSystemFromNodeFs } from "./fs.ts";

/**
 * The real file system through `node:fs`, synchronously like OpenSSH. A missing file reads as `undefined`; a
 * directory reads as "" (fopen succeeds and getline reads nothing, as in ssh); `stat` gives owner, mode and size,
 * which the resolvers check before reading.
 *
 * @example
 * ```ts
 * import { nodeFileSystem } from "@tsalive/config/node";
 * nodeFileSystem.readFile("/nonexistent/ssh_config"); // undefined
 * ```
 */
export const nodeFileSystem: ConfigFileSystem = fileSystemFromNodeFs({ readFileSync, readdirSync, statSync });

/**
 * Runs a `Match exec` command the way ssh does: `/bin/sh -c COMMAND` with stdin and stdout closed to the command's
 * caller, and matches when it exits 0. The command has already been %-expanded by the resolver.
 *
 * @example
 * ```ts
 * import { nodeExec } from "@tsalive/config/node";
 * nodeExec("true"); // true
 * nodeExec("exit 3"); // false
 * ```
 */
export function nodeExec(command: string): boolean {
  const result = spawnSync("/bin/sh", ["-c", command], { stdio: ["ignore", "ignore", "inherit"] });
  return result.status === 0;
}

/**
 * The current user's name and home directory, for `localUser` and `home`.
 *
 * @example
 * ```ts
 * import { nodeUser } from "@tsalive/config/node";
 * const { name, home } = nodeUser();
 * ```
 */
export function nodeUser(): { name: string; home: string } {
  return { name: userInfo().username, home: homedir() };
}

/**
 * The addresses of the local interfaces, for `Match localnetwork` (ssh's getifaddrs).
 *
 * @example
 * ```ts
 * import { nodeLocalAddresses } from "@tsalive/config/node";
 * nodeLocalAddresses().includes("127.0.0.1"); // true on most machines
 * ```
 */
export function nodeLocalAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) =>
    (entries ?? []).map((entry) => entry.address.replace(/%.*$/, "")),
  );
}

/**
 * What `ssh` itself would use on this machine: the real file system, the current user, uid, home, host name and
 * working directory, `$HOME` and the environment (for `Include`), the interface addresses. Spread it into
 * `resolveClientConfig`; `Match exec` stays off unless you add `exec: nodeExec`.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "@tsalive/config";
 * import { nodeDefaults } from "@tsalive/config/node";
 * const { values } = resolveClientConfig({ ...nodeDefaults(), host: "example.com", userConfig: null, systemConfig: null });
 * values.port; // 22
 * ```
 */
export function nodeDefaults(): {
  fs: ConfigFileSystem;
  localUser: string;
  home: string;
  uid: number | undefined;
  localHostname: string;
  cwd: string;
  environment: Readonly<Record<string, string | undefined>>;
  localAddresses: readonly string[];
} {
  const { name, home } = nodeUser();
  return {
    fs: nodeFileSystem,
    localUser: name,
    home,
    uid: process.getuid?.(),
    localHostname: hostname(),
    cwd: process.cwd(),
    environment: { ...process.env },
    localAddresses: nodeLocalAddresses(),
  };
}
