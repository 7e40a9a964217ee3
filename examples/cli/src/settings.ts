import { userInfo } from "node:os";
import { type ResolvedClientConfig, resolveClientConfig } from "@tsalive/config";
import { nodeDefaults, nodeExec } from "@tsalive/config/node";
import { percentExpand } from "@tsalive/config/unstable";
import type { ClientArguments } from "./argv.ts";
import { type LocalForward, parseForwardSpec } from "./forward_spec.ts";
import type { HostKeyPolicy } from "./host_key.ts";
import { type LogLevel, parseLogLevel } from "./log.ts";
import { TUNNEL_KEYWORDS, type TunnelSettings, tunnelSettings } from "./tunnel_settings.ts";

/** Everything a connection needs, from the resolved configuration. */
export interface ClientSettings {
  readonly resolved: ResolvedClientConfig;
  readonly hostName: string;
  readonly port: number;
  readonly user: string;
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  readonly hostKey: HostKeyPolicy;
  readonly logLevel: LogLevel;
  /** RequestTTY as configured (lower case; `auto` when unset), for ssh's pseudo-terminal decision. */
  readonly requestTty: string;
  /** Whether the configuration sets a RemoteCommand (other than `none`). */
  readonly remoteCommand: boolean;
  /** SessionType `none` or StdinNull `yes` (ssh allocates no pty then either). */
  readonly sessionNone: boolean;
  readonly stdinNull: boolean;
  readonly localForwards: readonly LocalForward[];
  /** `-R`, `-D`, `-W`, `-g`, their keywords, ExitOnForwardFailure and ProxyCommand (tunnel_settings.ts). */
  readonly tunnels: TunnelSettings;
  /** Keywords set in the configuration that tsalive-ssh accepts and does not act on (named once with -v). */
  readonly unhonoured: readonly string[];
}

/** Keywords tsalive-ssh acts on (lower case), beyond the block structure. */
const HONOURED = new Set([
  "host",
  "match",
  "include",
  "ignoreunknown",
  "hostname",
  "port",
  "user",
  "identityfile",
  "identitiesonly",
  "serveraliveinterval",
  "serveralivecountmax",
  "connecttimeout",
  "tcpkeepalive",
  "heartbeat",
  "stricthostkeychecking",
  "userknownhostsfile",
  "globalknownhostsfile",
  "batchmode",
  "loglevel",
  "localforward",
  "requesttty",
  "proxyjump",
  ...TUNNEL_KEYWORDS,
]);

/**
 * Resolves the client configuration as ssh does — `-l`/`-p`/`-i`, then `-o`, then `-F` or `~/.ssh/config`, then
 * `/etc/ssh/ssh_config`, first value wins — through `@tsalive/config`, and reads what tsalive-ssh acts on.
 *
 * @throws {ConfigError} with OpenSSH's messages.
 */
export function resolveSettings(args: ClientArguments, env: { home?: string } = {}): ClientSettings {
  const defaults = nodeDefaults();
  // ssh takes the home directory from the passwd entry, not $HOME (for ~, %d and ~/.ssh/config); only an
  // Include's `~` comes from $HOME (glob's GLOB_TILDE), which `environment` carries.
  const home = env.home ?? userInfo().homedir;
  const resolved = resolveClientConfig({
    ...defaults,
    home,
    host: args.destination,
    commandLine: args.commandLine,
    ...(args.configFile !== undefined && { configFile: args.configFile }),
    ...(args.openssh !== undefined && { openssh: args.openssh }),
    strict: args.strict,
    ...(args.command !== undefined && { remoteCommand: args.command }),
    exec: nodeExec,
  });
  const { values, resolution } = resolved;
  const raw = (key: string): readonly string[] | undefined => resolution.settings.get(key)?.assignments[0]?.args;
  const first = (key: string): string | undefined => raw(key)?.[0];
  const tokens = {
    d: home,
    u: defaults.localUser,
    h: values.hostName,
    r: values.user,
    p: String(values.port),
    n: values.host,
    "%": "%",
  };
  const expand = (path: string): string => {
    const expanded = percentExpand(path.startsWith("~/") ? `${home}${path.slice(1)}` : path, tokens);
    return expanded.value ?? path;
  };
  const strictRaw = (first("stricthostkeychecking") ?? "ask").toLowerCase();
  const strict =
    strictRaw === "yes" || strictRaw === "true"
      ? "yes"
      : strictRaw === "accept-new"
        ? "accept-new"
        : strictRaw === "no" || strictRaw === "off" || strictRaw === "false"
          ? "no"
          : "ask";
  const flag = (key: string) => ["yes", "true"].includes((first(key) ?? "no").toLowerCase());
  const localForwards = [
    ...args.localForwards,
    ...(resolution.settings.get("localforward")?.assignments ?? []).flatMap((a) => {
      const spec = parseForwardSpec(a.args.join(":"));
      return spec === undefined ? [] : [spec];
    }),
  ];
  const unhonoured = [...resolution.settings.entries()]
    .filter(([key]) => !HONOURED.has(key))
    .map(([, setting]) => setting.name);
  return {
    resolved,
    hostName: values.hostName,
    port: values.port,
    user: values.user,
    identityFiles: values.identityFile.map(expand),
    identitiesOnly: flag("identitiesonly"),
    hostKey: {
      strict,
      userKnownHostsFiles: (raw("userknownhostsfile") ?? ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"])
        .filter((f) => f !== "none")
        .map(expand),
      globalKnownHostsFiles: (raw("globalknownhostsfile") ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"])
        .filter((f) => f !== "none")
        .map(expand),
      batchMode: flag("batchmode"),
    },
    logLevel: parseLogLevel(first("loglevel") ?? "INFO") ?? "INFO",
    requestTty: (first("requesttty") ?? "auto").toLowerCase(),
    remoteCommand: ![undefined, "none"].includes(first("remotecommand")?.toLowerCase()),
    sessionNone: (first("sessiontype") ?? "default").toLowerCase() === "none",
    stdinNull: flag("stdinnull"),
    localForwards,
    tunnels: tunnelSettings(args.tunnels, resolved),
    unhonoured,
  };
}
