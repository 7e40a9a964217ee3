import type { Assignment, ValueSource } from "../source.ts";
import { passAssignments as pass, serverWinner } from "./_winner.ts";
import { type ResolveServerOptions, readServerConfig, type ServerResolution } from "./resolve.ts";
import { type ServerConfig, serverConfigSchema, serverKeywordSchemas } from "./schema.ts";

/** Where each typed value came from; keywords that accumulate (Port, ListenAddress, HostKey) have one per entry. */
export type ServerConfigSources = {
  readonly [K in Exclude<keyof ServerConfig, "port" | "listenAddress" | "hostKey">]-?: ValueSource;
} & {
  readonly port: readonly ValueSource[];
  readonly listenAddress: readonly ValueSource[];
  readonly hostKey: readonly ValueSource[];
};

/** The effective server configuration for one connection: typed values, their sources, and everything read. */
export interface ResolvedServerConfig {
  readonly values: ServerConfig;
  readonly sources: ServerConfigSources;
  /** Every active assignment of every keyword (typed or not), for {@linkcode explainServerConfig} and raw access. */
  readonly resolution: ServerResolution;
}

const DEFAULT: ValueSource = { kind: "default" };

/** sshd's host keys when none is configured (Debian's paths; XMSS is not built). */
export const DEFAULT_HOST_KEYS: readonly string[] = [
  "/etc/ssh/ssh_host_rsa_key",
  "/etc/ssh/ssh_host_ecdsa_key",
  "/etc/ssh/ssh_host_ed25519_key",
];

/** sshd's AuthorizedKeysFile default. */
export const DEFAULT_AUTHORIZED_KEYS_FILES: readonly string[] = [".ssh/authorized_keys", ".ssh/authorized_keys2"];

/**
 * UnusedConnectionTimeout as servconf.c reads it: the first time value wins, but a later `none` still turns it
 * off (servconf.c stores `none` without checking whether a value is already set), in each pass.
 */
function unusedConnectionTimeout(resolution: ServerResolution): Assignment | undefined {
  const decide = (assignments: Assignment[]) => {
    let chosen: Assignment | undefined;
    for (const a of assignments) {
      if ((a.args[0] ?? "").toLowerCase() === "none") chosen = a;
      else chosen ??= a;
    }
    return chosen;
  };
  return (
    decide(pass(resolution, "unusedconnectiontimeout", 2)) ?? decide(pass(resolution, "unusedconnectiontimeout", 1))
  );
}

/** A TCPKeepAlive argument as a yes/no word (10.6's true, false, transport and all included). */
function tcpKeepAliveWord(a: Assignment): string {
  const word = (a.args[0] ?? "").toLowerCase();
  return ["true", "transport", "all"].includes(word) ? "yes" : word === "false" ? "no" : (a.args[0] ?? "");
}

/**
 * Resolves a server configuration exactly as `sshd -T -f FILE -o … -C user=…,host=…,addr=…,laddr=…,lport=…`
 * does and types the values tsalive uses: the first value wins (`-o` first), the first matching `Match` block
 * overrides the global value, Include relative to /etc/ssh, the `UnusedConnectionTimeout none` quirk. tsalive's
 * `Heartbeat` and `WatchdogTimeout` come from the separate extension file (`extensions`), so sshd_config stays a
 * file the real sshd accepts. Every value knows where it came from (`sources`, {@linkcode explainServerConfig}).
 *
 * @throws {ConfigError} where sshd fails, with sshd's messages.
 * @example
 * ```ts
 * import { resolveServerConfig } from "@tsalive/config";
 * const { values, sources } = resolveServerConfig({
 *   config: {
 *     file: "/etc/ssh/sshd_config",
 *     text: "ClientAliveInterval 30\nMatch Address 10.0.0.0/8\n  ClientAliveInterval 5\n",
 *   },
 *   extensions: { file: "/etc/ssh/tsalive_config", text: "WatchdogTimeout 60\n" },
 *   connection: { user: "me", host: "laptop", address: "10.1.2.3" },
 * });
 * values.clientAliveInterval; // 5
 * values.watchdogTimeout; // 60
 * sources.clientAliveInterval; // { kind: "file", file: "/etc/ssh/sshd_config", line: 3 }
 * ```
 */
export function resolveServerConfig(options: ResolveServerOptions): ResolvedServerConfig {
  const resolution = readServerConfig(options);
  const s = serverKeywordSchemas;
  const get = (key: string) => serverWinner(resolution, key);
  const one = <T>(schema: { parse(arg: string): T }, a: Assignment | undefined, fallback: T): T =>
    a === undefined ? fallback : schema.parse(a.args[0] ?? "");
  const all = (key: string) => pass(resolution, key, 1);
  const ports = all("port");
  const listen = all("listenaddress");
  const hostKeys = all("hostkey");
  const keysFile = get("authorizedkeysfile");
  const channel = get("channeltimeout");
  const unused = unusedConnectionTimeout(resolution);
  // Global-only keywords: no Match block can set them.
  const loginGraceTime = pass(resolution, "logingracetime", 1)[0];
  const tcpKeepAlive = pass(resolution, "tcpkeepalive", 1)[0];
  const picks = {
    clientAliveInterval: get("clientaliveinterval"),
    clientAliveCountMax: get("clientalivecountmax"),
    passwordAuthentication: get("passwordauthentication"),
    pubkeyAuthentication: get("pubkeyauthentication"),
    heartbeat: get("heartbeat"),
    watchdogTimeout: get("watchdogtimeout"),
  };
  const channelArgs = channel?.args ?? [];
  const values = serverConfigSchema.parse({
    port: ports.length > 0 ? ports.map((a) => s.Port.parse(a.args[0] ?? "")) : [22],
    listenAddress: listen.map((a) => s.ListenAddress.parse(a.args[0] ?? "")),
    hostKey: hostKeys.length > 0 ? hostKeys.map((a) => a.args[0] ?? "") : [...DEFAULT_HOST_KEYS],
    loginGraceTime: one(s.LoginGraceTime, loginGraceTime, 120),
    clientAliveInterval: one(s.ClientAliveInterval, picks.clientAliveInterval, 0),
    clientAliveCountMax: one(s.ClientAliveCountMax, picks.clientAliveCountMax, 3),
    channelTimeout:
      channelArgs.length === 1 && channelArgs[0]?.toLowerCase() === "none"
        ? []
        : channelArgs.filter((a) => a.toLowerCase() !== "none").map((a) => s.ChannelTimeout.parse(a)),
    unusedConnectionTimeout: one(s.UnusedConnectionTimeout, unused, 0),
    // 10.6 also takes true, false, transport (= yes) and all (forwarding sockets too): tsalive's own socket is the
    // transport, so all reads as yes.
    tcpKeepAlive: one(
      s.TCPKeepAlive,
      tcpKeepAlive && { ...tcpKeepAlive, args: [tcpKeepAliveWord(tcpKeepAlive)] },
      true,
    ),
    authorizedKeysFile: keysFile ? [...keysFile.args] : [...DEFAULT_AUTHORIZED_KEYS_FILES],
    passwordAuthentication: one(s.PasswordAuthentication, picks.passwordAuthentication, true),
    pubkeyAuthentication: one(s.PubkeyAuthentication, picks.pubkeyAuthentication, true),
    heartbeat: one(s.Heartbeat, picks.heartbeat, 0),
    watchdogTimeout: one(s.WatchdogTimeout, picks.watchdogTimeout, 0),
  });
  const sources: ServerConfigSources = {
    port: ports.length > 0 ? ports.map((a) => a.source) : [DEFAULT],
    listenAddress: listen.map((a) => a.source),
    hostKey: hostKeys.length > 0 ? hostKeys.map((a) => a.source) : DEFAULT_HOST_KEYS.map(() => DEFAULT),
    loginGraceTime: loginGraceTime?.source ?? DEFAULT,
    channelTimeout: channel?.source ?? DEFAULT,
    unusedConnectionTimeout: unused?.source ?? DEFAULT,
    tcpKeepAlive: tcpKeepAlive?.source ?? DEFAULT,
    authorizedKeysFile: keysFile?.source ?? DEFAULT,
    clientAliveInterval: picks.clientAliveInterval?.source ?? DEFAULT,
    clientAliveCountMax: picks.clientAliveCountMax?.source ?? DEFAULT,
    passwordAuthentication: picks.passwordAuthentication?.source ?? DEFAULT,
    pubkeyAuthentication: picks.pubkeyAuthentication?.source ?? DEFAULT,
    heartbeat: picks.heartbeat?.source ?? DEFAULT,
    watchdogTimeout: picks.watchdogTimeout?.source ?? DEFAULT,
  };
  return { values, sources, resolution };
}
