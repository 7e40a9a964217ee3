/**
 * The tunnel flags of tsalive-ssh's command line (`-R`, `-D`, `-W`, `-g`), read apart from the rest of argv.ts so
 * that each family of flags stays in its own file.
 *
 * @module
 */
import { UsageError } from "./argv.ts";
import {
  type DynamicForward,
  parseDynamicForwardSpec,
  parseRemoteForwardSpec,
  parseStdioForwardSpec,
  type RemoteForward,
  type StdioForward,
} from "./tunnel_spec.ts";

/** What the tunnel flags asked for. */
export interface TunnelArguments {
  /** `-R [bind:]port:host:hostport`, in order. */
  readonly remoteForwards: RemoteForward[];
  /** `-D [bind:]port`, in order. */
  readonly dynamicForwards: DynamicForward[];
  /** `-W host:port`: stdin and stdout through one direct-tcpip channel, no session. */
  stdioForward: StdioForward | undefined;
  /** `-g`: GatewayPorts yes (local forwards without a bind address listen on every address). */
  gatewayPorts: boolean;
}

/** No tunnel flag given. */
export function noTunnelArguments(): TunnelArguments {
  return { remoteForwards: [], dynamicForwards: [], stdioForward: undefined, gatewayPorts: false };
}

/**
 * Reads `-R`, `-D` or `-W` with its value into `into`; `false` when `flag` is none of them.
 *
 * @throws {UsageError} with ssh's message for a bad specification.
 */
export function readTunnelOption(flag: string, value: string, into: TunnelArguments): boolean {
  switch (flag) {
    case "R": {
      const spec = parseRemoteForwardSpec(value);
      if (spec === undefined) throw new UsageError(`Bad remote forwarding specification '${value}'`);
      into.remoteForwards.push(spec);
      return true;
    }
    case "D": {
      const spec = parseDynamicForwardSpec(value);
      if (spec === undefined) throw new UsageError(`Bad dynamic forwarding specification '${value}'`);
      into.dynamicForwards.push(spec);
      return true;
    }
    case "W": {
      if (into.stdioForward !== undefined) throw new UsageError("stdio forward already specified");
      const spec = parseStdioForwardSpec(value);
      if (spec === undefined) throw new UsageError(`Bad stdio forwarding specification '${value}'`);
      into.stdioForward = spec;
      return true;
    }
    default:
      return false;
  }
}

/** Reads `-g` into `into`; `false` for any other flag. */
export function readTunnelFlag(flag: string, into: TunnelArguments): boolean {
  if (flag !== "g") return false;
  into.gatewayPorts = true;
  return true;
}
