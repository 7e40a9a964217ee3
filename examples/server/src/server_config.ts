import {
  type ConfigFileSystem,
  type OpenSshVersion,
  parseConfig,
  parseLine,
  type ResolvedServerConfig,
  resolveServerConfig,
  type ServerConnection,
  serverKeywords,
} from "@tsalive/config";
import { nodeFileSystem } from "@tsalive/config/node";

/**
 * The configuration files as read once: sshd reads sshd_config at start (and again on SIGHUP), never per
 * connection, so every connection's Match is evaluated over this snapshot. `clear()` is the SIGHUP.
 */
export interface ConfigSnapshot extends ConfigFileSystem {
  clear(): void;
  /** Every file read so far, with its text. */
  readonly texts: ReadonlyMap<string, string>;
}

/**
 * A snapshot over `fs` (default the real file system): each path is read the first time it is asked for and then
 * kept until `clear()`.
 *
 * @example
 * ```ts
 * import { memoryFileSystem } from "@tsalive/config";
 * import { configSnapshot } from "./server_config.ts";
 * const snapshot = configSnapshot(memoryFileSystem({ "/c": "Port 22\n" }));
 * snapshot.readFile("/c"); // "Port 22\n", and never read again until snapshot.clear()
 * ```
 */
export function configSnapshot(fs: ConfigFileSystem = nodeFileSystem): ConfigSnapshot {
  const files = new Map<string, string | undefined>();
  const dirs = new Map<string, readonly string[] | undefined>();
  const stats = new Map<string, { uid: number; mode: number } | undefined>();
  const texts = new Map<string, string>();
  return {
    texts,
    clear() {
      files.clear();
      dirs.clear();
      stats.clear();
      texts.clear();
    },
    readFile(path) {
      if (!files.has(path)) {
        const text = fs.readFile(path);
        files.set(path, text);
        if (text !== undefined) texts.set(path, text);
      }
      return files.get(path);
    },
    readDir(path) {
      if (!dirs.has(path)) dirs.set(path, fs.readDir(path));
      return dirs.get(path);
    },
    stat(path) {
      if (!stats.has(path)) stats.set(path, fs.stat?.(path));
      return stats.get(path);
    },
  };
}

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
export function loadServerConfig(
  source: ServerConfigSource,
  connection?: ServerConnection,
  fs: ConfigFileSystem = nodeFileSystem,
  groups?: (user: string) => readonly string[] | undefined,
): ResolvedServerConfig {
  return resolveServerConfig({
    config: source.configFile,
    options: source.options,
    ...(connection !== undefined && { connection }),
    ...(source.extensions !== undefined && { extensions: source.extensions }),
    ...(source.openssh !== undefined && { openssh: source.openssh }),
    fs,
    ...(groups !== undefined && { groups }),
  });
}

/**
 * The connection of sshd's own reading at start (servconf.c with no connection info): no Match criterion matches.
 * `sshd -T` without `-C lport=` refuses a `Match LocalPort`; sshd at start does not, so the start gives a port no
 * connection has.
 */
export const STARTUP_CONNECTION: ServerConnection = { localPort: 0 };

/** One directive of the configuration, wherever it is (global, any Match block, or `-o`). */
export interface ConfigDirective {
  /** Lower case, aliases folded (`pubkeyacceptedkeytypes` is `pubkeyacceptedalgorithms`). */
  readonly key: string;
  readonly keyword: string;
  readonly args: readonly string[];
  readonly where: string;
}

/**
 * Every directive of every file read and of `-o`, whether or not a Match block applies it now: what tsalive-sshd
 * checks for keywords it refuses, so a refused keyword inside a rarely matching block is caught at start too.
 */
export function everyDirective(
  source: ServerConfigSource,
  snapshot: ConfigSnapshot,
  files: readonly string[],
): ConfigDirective[] {
  const out: ConfigDirective[] = [];
  const keywords = serverKeywords(source.openssh);
  const add = (line: ReturnType<typeof parseLine>, where: string) => {
    if (line.kind !== "directive") return;
    const key = keywords.get(line.key)?.alias ?? line.key;
    out.push({ key, keyword: line.keyword, args: line.args, where });
  };
  for (const [index, option] of source.options.entries()) {
    add(parseLine(option, index + 1, undefined), `-o "${option}"`);
  }
  for (const file of new Set(files)) {
    const text = snapshot.texts.get(file);
    if (text === undefined) continue;
    for (const line of parseConfig(text, { file, recover: true }).lines) add(line, `${file} line ${line.line}`);
  }
  return out;
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
  "permitrootlogin",
  "allowusers",
  "denyusers",
  "allowgroups",
  "denygroups",
  "maxauthtries",
  "maxsessions",
  "maxstartups",
  "forcecommand",
  "permittty",
  "allowtcpforwarding",
  "permitopen",
  "permitlisten",
  "gatewayports",
  "disableforwarding",
  "acceptenv",
  "setenv",
  "permituserenvironment",
  "strictmodes",
  "requiredrsasize",
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
