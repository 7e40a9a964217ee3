import type { ResolvedClientConfig } from "@tsalive/config";
import type { TunnelArguments } from "./argv_tunnels.ts";
import {
  type DynamicForward,
  parseDynamicForwardSpec,
  parseRemoteForwardSpec,
  type RemoteForward,
  type StdioForward,
} from "./tunnel_spec.ts";

/** The tunnel settings of a connection: the command line's flags, then the configuration's keywords. */
export interface TunnelSettings {
  /** `-R`, then every RemoteForward line, in order (ssh adds them all). */
  readonly remoteForwards: readonly RemoteForward[];
  /** `-D`, then every DynamicForward line. */
  readonly dynamicForwards: readonly DynamicForward[];
  readonly stdioForward: StdioForward | undefined;
  /** `-g` or GatewayPorts yes: local forwards without a bind address listen on every address. */
  readonly gatewayPorts: boolean;
  /** ExitOnForwardFailure yes: a forward that cannot be set up ends the connection (exit 255). */
  readonly exitOnForwardFailure: boolean;
  /** ProxyCommand as written (tokens not expanded), unless none; it wins over ProxyJump when it comes first. */
  readonly proxyCommand: string | undefined;
}

/** The keywords this module acts on (lower case). */
export const TUNNEL_KEYWORDS: readonly string[] = [
  "remoteforward",
  "dynamicforward",
  "gatewayports",
  "exitonforwardfailure",
  "proxycommand",
];

/** Reads the tunnel settings; a bad RemoteForward or DynamicForward line was refused by `@tsalive/config` already. */
export function tunnelSettings(args: TunnelArguments, resolved: ResolvedClientConfig): TunnelSettings {
  const settings = resolved.resolution.settings;
  const lines = (key: string) => (settings.get(key)?.assignments ?? []).map((a) => a.args.join(" "));
  const flag = (key: string) =>
    ["yes", "true"].includes((settings.get(key)?.assignments[0]?.args[0] ?? "no").toLowerCase());
  // ssh keeps whichever of ProxyCommand and ProxyJump it reads first (readconf.c), and `none` means none.
  const proxy = resolved.resolution.proxy;
  const command = proxy?.kind === "command" ? proxy.assignment.value : undefined;
  return {
    remoteForwards: [
      ...args.remoteForwards,
      ...lines("remoteforward").flatMap((line) => parseRemoteForwardSpec(line) ?? []),
    ],
    dynamicForwards: [
      ...args.dynamicForwards,
      ...lines("dynamicforward").flatMap((line) => parseDynamicForwardSpec(line) ?? []),
    ],
    stdioForward: args.stdioForward,
    gatewayPorts: args.gatewayPorts || flag("gatewayports"),
    exitOnForwardFailure: flag("exitonforwardfailure"),
    proxyCommand: command === undefined || command.toLowerCase() === "none" ? undefined : command,
  };
}
