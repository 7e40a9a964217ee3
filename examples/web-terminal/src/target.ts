import { readFileSync } from "node:fs";
import { type ClientConfig, clientMonitorOptions, resolveClientConfig } from "@tsalive/config";
import { nodeDefaults, nodeExec } from "@tsalive/config/node";
import type { MonitorOptions } from "@tsalive/core";

/**
 * Where the server's SSH leg goes, and how: everything here stays on the server, the page never sees a key.
 *
 * @example
 * ```ts no-run
 * // no-run: reads ~/.ssh/config and the identity files it names.
 * import { resolveTarget } from "./target.ts";
 * const target = resolveTarget({ destination: "web", options: ["ServerAliveInterval=5"] });
 * target.liveness.probe; // { interval: 5000, countMax: 3, zeroCountMax: "disconnect" }
 * ```
 */
export interface SshTarget {
  /** The host name as typed, for OpenSSH's messages (`Timeout, server HOST not responding.`). */
  readonly hostName: string;
  readonly port: number;
  readonly user: string;
  /** The private key to log in with (the first IdentityFile that exists). */
  readonly privateKey: Buffer;
  /** The host key the server must present, as `SHA256:…` (`ssh-keygen -lf`), or `"any"` (tests and demo only). */
  readonly hostKey: string;
  /** ServerAliveInterval/CountMax, Heartbeat, in `@tsalive/core`'s terms. */
  readonly liveness: MonitorOptions;
  /** ConnectTimeout in ms, when set. */
  readonly connectTimeout: number | undefined;
  readonly tcpKeepAlive: boolean;
}

/** What {@linkcode resolveTarget} reads: the destination and ssh's own command-line options. */
export interface TargetArguments {
  /** `host`, `user@host` or `ssh://user@host:port`, looked up in ssh_config. */
  readonly destination: string;
  /** `-o` options, each one config line. */
  readonly options?: readonly string[];
  /** `-F`: the only config file to read, or `"none"`. */
  readonly configFile?: string;
  /** `-i`: identity files before the configuration's. */
  readonly identityFiles?: readonly string[];
  /** The host key fingerprint to pin (`SHA256:…`), or `"any"`. */
  readonly hostKey: string;
}

/**
 * Resolves the target as `ssh -G` would (`-o`, then `-F` or `~/.ssh/config`, then `/etc/ssh/ssh_config`),
 * through `@tsalive/config`, and reads the key to log in with.
 *
 * @throws {ConfigError} with OpenSSH's messages, or an `Error` when no identity file can be read.
 */
export function resolveTarget(args: TargetArguments): SshTarget {
  const defaults = nodeDefaults();
  const { values, resolution } = resolveClientConfig({
    ...defaults,
    host: args.destination,
    options: args.options ?? [],
    identityFiles: args.identityFiles ?? [],
    ...(args.configFile !== undefined && { configFile: args.configFile }),
    exec: nodeExec,
  });
  // Connecting directly where the configuration says to go through another host would be wrong: refuse.
  for (const keyword of ["proxyjump", "proxycommand"]) {
    const setting = resolution.settings.get(keyword);
    const value = setting?.assignments[0]?.args[0];
    if (setting !== undefined && value !== undefined && value.toLowerCase() !== "none") {
      throw new Error(`${setting.name} is set for ${args.destination} and this example does not support it`);
    }
  }
  return {
    hostName: values.hostName,
    port: values.port,
    user: values.user,
    privateKey: readIdentity(values, defaults.home),
    hostKey: args.hostKey,
    liveness: clientMonitorOptions(values),
    connectTimeout: values.connectTimeout === undefined ? undefined : values.connectTimeout * 1000,
    tcpKeepAlive: values.tcpKeepAlive,
  };
}

function readIdentity(values: ClientConfig, home: string): Buffer {
  const tried: string[] = [];
  for (const file of values.identityFile) {
    const path = file.startsWith("~/") ? `${home}${file.slice(1)}` : file;
    tried.push(path);
    try {
      return readFileSync(path);
    } catch {
      // ssh skips an identity file it cannot read, and so does this.
    }
  }
  throw new Error(`no identity file could be read (tried ${tried.join(", ") || "none"})`);
}
