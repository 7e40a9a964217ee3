import {
  type OpenSshVersion,
  type ResolvedServerConfig,
  resolveServerConfig,
  type ServerConnection,
} from "@tsalive/config";
import { nodeFileSystem } from "@tsalive/config/node";

/** Where tsalive-sshd's configuration comes from: sshd's `-f`, `-o` and `-p`, plus tsalive's extension file. */
export interface ServerConfigSource {
  /** sshd_config (`-f`). */
  readonly configFile: string;
  /** `-o Key=Value`, read before the file (the first value wins). */
  readonly options: readonly string[];
  /**
   * tsalive's extension file (`--tsalive-config`) with `Heartbeat` and `WatchdogTimeout`, which OpenSSH's sshd
   * rejects, so a real sshd_config never has to hold them. `undefined`: `/etc/ssh/tsalive_config` when it exists.
   */
  readonly extensions: string | undefined;
  /** `-p` ports: they replace every Port line, as in sshd. 0 asks for an ephemeral port (tsalive-sshd only). */
  readonly ports: readonly number[];
  /** `--openssh`: the release whose sshd_config semantics apply; `undefined`: the library's default, the newest. */
  readonly openssh?: OpenSshVersion | undefined;
}

/**
 * The configuration for one connection (sshd's Match evaluated for it), or the global one without a connection,
 * as `sshd -T [-C …]` resolves it, through `@tsalive/config`.
 *
 * @throws {ConfigError} with sshd's messages (every bad line, then `terminating, N bad configuration options`).
 * @example
 * ```ts no-run
 * const { values } = loadServerConfig(source, { user: "bob", address: "10.0.0.1" });
 * values.clientAliveInterval;
 * ```
 */
export function loadServerConfig(source: ServerConfigSource, connection?: ServerConnection): ResolvedServerConfig {
  return resolveServerConfig({
    config: source.configFile,
    options: source.options,
    ...(connection !== undefined && { connection }),
    ...(source.extensions !== undefined && { extensions: source.extensions }),
    ...(source.openssh !== undefined && { openssh: source.openssh }),
    fs: nodeFileSystem,
  });
}

/** The ports to listen on: `-p` when given, else every Port. */
export function listenPorts(config: ResolvedServerConfig, source: ServerConfigSource): readonly number[] {
  return source.ports.length > 0 ? source.ports : config.values.port;
}

/** The keywords tsalive-sshd acts on (lower case), besides Match and Include. */
const HONOURED = new Set([
  "port",
  "listenaddress",
  "hostkey",
  "authorizedkeysfile",
  "pubkeyauthentication",
  "passwordauthentication",
  "logingracetime",
  "clientaliveinterval",
  "clientalivecountmax",
  "unusedconnectiontimeout",
  "channeltimeout",
  "tcpkeepalive",
  "subsystem",
  "heartbeat",
  "watchdogtimeout",
  "match",
  "include",
]);

/**
 * Keywords set in the configuration that tsalive-sshd accepts and does not act on, with where the first one is,
 * named once with `-d`. PasswordAuthentication is listed when it says yes: only public keys are accepted.
 */
export function unhonouredKeywords(config: ResolvedServerConfig): string[] {
  const names: string[] = [];
  for (const [key, setting] of config.resolution.settings) {
    if (!HONOURED.has(key)) names.push(setting.name);
  }
  return names;
}
