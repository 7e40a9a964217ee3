import { convtime } from "../_time.ts";
import type { Assignment, ValueSource } from "../source.ts";
import { formatProxyJump } from "./jump.ts";
import { type ClientResolution, type ResolveClientOptions, readClientConfig } from "./resolve.ts";
import { type ClientConfig, clientConfigSchema, clientKeywordSchemas } from "./schema.ts";

/** Where each typed value came from; IdentityFile has one source per file. */
export type ClientConfigSources = {
  readonly [K in Exclude<keyof ClientConfig, "identityFile">]-?: ValueSource;
} & { readonly identityFile: readonly ValueSource[] };

/** The effective client configuration: typed values, their sources, and everything read. */
export interface ResolvedClientConfig {
  readonly values: ClientConfig;
  readonly sources: ClientConfigSources;
  /** Every active assignment of every keyword (typed or not), for {@linkcode explainClientConfig} and raw access. */
  readonly resolution: ClientResolution;
}

const DEFAULT: ValueSource = { kind: "default" };

function typed<T>(schema: { parse(arg: string): T }, assignment: Assignment | undefined): T | undefined {
  return assignment === undefined ? undefined : schema.parse(assignment.args[0] ?? "");
}

/** The first assignment that sets a value (`none` does not, for time values). */
function winner(resolution: ClientResolution, key: string, noneUnsets: boolean): Assignment | undefined {
  const assignments = resolution.settings.get(key)?.assignments ?? [];
  return noneUnsets ? assignments.find((a) => a.args[0] !== "none") : assignments[0];
}

/**
 * Resolves the client configuration exactly as `ssh -G` does and types the values tsalive uses: the first value
 * wins, `-o` before the user file before the system file, Host and Match blocks, Include, `none` where OpenSSH
 * gives it a meaning. Every value knows where it came from (`sources`, and {@linkcode explainClientConfig}).
 *
 * @throws {ConfigError} where ssh fails, with OpenSSH's messages.
 * @example
 * ```ts
 * import { resolveClientConfig } from "@tsalive/config";
 * const { values, sources } = resolveClientConfig({
 *   host: "web",
 *   localUser: "me",
 *   home: "/home/me",
 *   options: ["ServerAliveCountMax=5"],
 *   configFile: { file: "config", text: "Host web\n  HostName web.example.com\n  ServerAliveInterval 15\n" },
 * });
 * values.hostName; // "web.example.com"
 * values.serverAliveInterval; // 15
 * values.serverAliveCountMax; // 5
 * sources.serverAliveInterval; // { kind: "file", file: "config", line: 3 }
 * ```
 */
export function resolveClientConfig(options: ResolveClientOptions): ResolvedClientConfig {
  const resolution = readClientConfig(options);
  const s = clientKeywordSchemas;
  const get = (key: string, noneUnsets = false) => winner(resolution, key, noneUnsets);
  const interval = get("serveraliveinterval", true);
  const countMax = get("serveralivecountmax");
  const connectTimeout = get("connecttimeout", true);
  const tcpKeepAlive = get("tcpkeepalive");
  const user = get("user");
  const port = get("port");
  const heartbeat = get("heartbeat", true);
  const jump = resolution.proxy?.kind === "jump" ? resolution.proxy.assignment : undefined;
  const proxyJump = jump ? formatProxyJump(jump.value, resolution.openssh) : undefined;
  // Time values as this release's convtime reads them (10.6 takes decimal seconds).
  const time = (assignment: Assignment | undefined): number | undefined =>
    assignment === undefined ? undefined : convtime(assignment.args[0] ?? "", resolution.openssh);
  const connectTimeoutValue = time(connectTimeout);
  const values = clientConfigSchema.parse({
    host: resolution.originalHost,
    hostName: resolution.hostName,
    user: user?.args[0] ?? options.localUser,
    port: resolution.port,
    serverAliveInterval: time(interval) ?? 0,
    serverAliveCountMax: typed(s.ServerAliveCountMax, countMax) ?? 3,
    ...(connectTimeoutValue === undefined ? {} : { connectTimeout: connectTimeoutValue }),
    tcpKeepAlive: tcpKeepAlive?.args[0]?.toLowerCase() === "all" || (typed(s.TCPKeepAlive, tcpKeepAlive) ?? true),
    identityFile: resolution.identityFiles.map((entry) => entry.path),
    ...(proxyJump === undefined ? {} : { proxyJump }),
    heartbeat: time(heartbeat) ?? 0,
  });
  const sources: ClientConfigSources = {
    host: { kind: "argument", name: "destination" },
    hostName: resolution.hostNameSource,
    user: user?.source ?? DEFAULT,
    port: port?.source ?? DEFAULT,
    serverAliveInterval: interval?.source ?? DEFAULT,
    serverAliveCountMax: countMax?.source ?? DEFAULT,
    connectTimeout: connectTimeout?.source ?? DEFAULT,
    tcpKeepAlive: tcpKeepAlive?.source ?? DEFAULT,
    identityFile: resolution.identityFiles.map((entry) => entry.source),
    proxyJump: jump?.source ?? DEFAULT,
    heartbeat: heartbeat?.source ?? DEFAULT,
  };
  return { values, sources, resolution };
}
