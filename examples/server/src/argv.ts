import { OPENSSH_VERSIONS, type OpenSshVersion } from "@tsalive/config";

/** What `tsalive-sshd` was asked to do, read from its arguments the way sshd reads them. */
export interface ServerArguments {
  /** `-f sshd_config`; sshd's default when absent. */
  readonly configFile: string;
  /** `-p port`, in order (each adds a port and makes the file's Port lines ignored, as in sshd). */
  readonly ports: readonly number[];
  /** `-o Key=Value`, in order. */
  readonly options: readonly string[];
  /** `--tsalive-config FILE`: tsalive's extension file (Heartbeat, WatchdogTimeout); default /etc/ssh/tsalive_config. */
  readonly extensions: string | undefined;
  /** `-D`: stay in the foreground (tsalive-sshd always does; accepted for compatibility). */
  readonly foreground: boolean;
  /** `-d`, counted: debug logging. */
  readonly debug: number;
  /** `-e`: log to stderr (tsalive-sshd always does; accepted for compatibility). */
  readonly stderr: boolean;
  /** `-T`: print the effective configuration and exit. */
  readonly test: boolean;
  /** `-C user=U,host=H,addr=A,laddr=L,lport=P`: the connection `-T` evaluates Match for. */
  readonly connection: ConnectionSpec | undefined;
  /** `--openssh VERSION`: the OpenSSH release whose sshd_config semantics and `-T` format apply (default 10.6). */
  readonly openssh: OpenSshVersion | undefined;
  /** `--metrics [ADDR:]PORT`: serve Prometheus metrics there (127.0.0.1 unless an address is given). */
  readonly metrics: MetricsAddress | undefined;
}

/** The connection given with `-C`, as sshd's `parse_server_match_testspec` reads it. */
export interface ConnectionSpec {
  readonly user?: string;
  readonly host?: string;
  readonly addr?: string;
  readonly laddr?: string;
  readonly lport?: number;
  readonly rdomain?: string;
  /** `invalid-user` (OpenSSH 10.0 on): the user does not exist, for `Match invalid-user`. */
  readonly invalidUser?: boolean;
}

/** Where `--metrics` serves: `[ADDR:]PORT`, the address 127.0.0.1 unless one is given. */
export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
}

/** A usage error: the message to print, then exit 1 as sshd does. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const DEFAULT_SSHD_CONFIG = "/etc/ssh/sshd_config";

const USAGE = `usage: tsalive-sshd [-DdeT] [-C connection_spec] [-f config_file] [-o option] [-p port]
                    [--tsalive-config file] [--openssh version] [--metrics [addr:]port]`;

/**
 * Reads sshd's argument grammar (getopt: flags may be grouped, a value may be attached, `--` ends options).
 *
 * @example
 * ```ts
 * import { parseServerArguments } from "./argv.ts";
 * parseServerArguments(["-D", "-p", "2222", "-o", "ClientAliveInterval=5"]).ports; // [2222]
 * ```
 */
export function parseServerArguments(argv: readonly string[]): ServerArguments {
  let configFile = DEFAULT_SSHD_CONFIG;
  const ports: number[] = [];
  const options: string[] = [];
  let foreground = false;
  let debug = 0;
  let stderr = false;
  let test = false;
  let connection: ConnectionSpec | undefined;
  let extensions: string | undefined;
  let openssh: OpenSshVersion | undefined;
  let metrics: MetricsAddress | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--openssh") {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`option requires an argument -- openssh\n${USAGE}`);
      if (!(OPENSSH_VERSIONS as readonly string[]).includes(value)) {
        throw new UsageError(`Unsupported OpenSSH version ${value}: use one of ${OPENSSH_VERSIONS.join(", ")}`);
      }
      openssh = value as OpenSshVersion;
      continue;
    }
    if (arg === "--tsalive-config") {
      extensions = argv[++i];
      if (extensions === undefined) throw new UsageError(`option requires an argument -- tsalive-config\n${USAGE}`);
      continue;
    }
    if (arg === "--metrics") {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`option requires an argument -- metrics\n${USAGE}`);
      metrics = parseMetricsAddress(value);
      if (metrics === undefined) throw new UsageError(`Bad metrics address ${value}.`);
      continue;
    }
    if (arg === "--") {
      if (i + 1 < argv.length) throw new UsageError(USAGE);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") throw new UsageError(USAGE);
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j] as string;
      const takeValue = (): string => {
        const rest = arg.slice(j + 1);
        j = arg.length;
        if (rest !== "") return rest;
        const next = argv[++i];
        if (next === undefined) throw new UsageError(`option requires an argument -- ${flag}\n${USAGE}`);
        return next;
      };
      switch (flag) {
        case "D":
          foreground = true;
          break;
        case "d":
          debug++;
          break;
        case "e":
          stderr = true;
          break;
        case "T":
          test = true;
          break;
        case "f":
          configFile = takeValue();
          break;
        case "o":
          options.push(takeValue());
          break;
        case "p": {
          const value = takeValue();
          const port = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
          // Port 0 (an ephemeral port, logged as bound) is tsalive-sshd's extension for tests and the demo.
          if (!(port >= 0 && port <= 65535)) throw new UsageError(`Bad port number.`);
          ports.push(port);
          break;
        }
        case "C":
          connection = parseConnectionSpec(takeValue());
          break;
        default:
          throw new UsageError(`unknown option -- ${flag}\n${USAGE}`);
      }
    }
  }
  return { configFile, ports, options, extensions, foreground, debug, stderr, test, connection, openssh, metrics };
}

/**
 * Reads a `-C` connection spec as sshd does: comma-separated `key=value` with keys user, host, addr, laddr, lport,
 * rdomain, and `invalid-user` alone.
 *
 * @example
 * ```ts
 * import { parseConnectionSpec } from "./argv.ts";
 * parseConnectionSpec("user=root,addr=10.0.0.1,lport=22"); // { user: "root", addr: "10.0.0.1", lport: 22 }
 * ```
 */
export function parseConnectionSpec(spec: string): ConnectionSpec {
  const result: {
    user?: string;
    host?: string;
    addr?: string;
    laddr?: string;
    lport?: number;
    rdomain?: string;
    invalidUser?: boolean;
  } = {};
  for (const part of spec.split(",")) {
    const eq = part.indexOf("=");
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? "" : part.slice(eq + 1);
    if (key === "invalid-user" && eq === -1) result.invalidUser = true;
    else if (key === "user" || key === "host" || key === "addr" || key === "laddr" || key === "rdomain") {
      result[key] = value;
    } else if (key === "lport") {
      const port = Number(value);
      if (!/^[0-9]+$/.test(value) || port < 1 || port > 65535)
        throw new UsageError(`Invalid test mode specification ${spec}`);
      result.lport = port;
    } else throw new UsageError(`Invalid test mode specification ${spec}`);
  }
  return result;
}

/**
 * Reads `--metrics`'s value: `PORT`, `ADDR:PORT` or `[IPV6]:PORT`.
 *
 * @example
 * ```ts
 * import { parseMetricsAddress } from "./argv.ts";
 * parseMetricsAddress("9464"); // { host: "127.0.0.1", port: 9464 }
 * parseMetricsAddress("[::1]:9464"); // { host: "::1", port: 9464 }
 * ```
 */
export function parseMetricsAddress(value: string): MetricsAddress | undefined {
  const match = /^(?:(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):)?([0-9]{1,5})$/.exec(value);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? "127.0.0.1", port };
}
