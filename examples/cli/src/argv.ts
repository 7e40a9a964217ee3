import { type ClientArgument, OPENSSH_VERSIONS, type OpenSshVersion } from "@tsalive/config";
import { noTunnelArguments, readTunnelFlag, readTunnelOption, type TunnelArguments } from "./argv_tunnels.ts";
import { type LocalForward, parseForwardSpec } from "./forward_spec.ts";

/** What `tsalive-ssh` was asked to do, read with ssh's grammar. */
export interface ClientArguments {
  /** `-F file`. */
  readonly configFile: string | undefined;
  /** `-o Key=Value`, in order. */
  readonly options: readonly string[];
  /** `-p port`. */
  readonly port: number | undefined;
  /** `-l user`. */
  readonly user: string | undefined;
  /** `-i identity`, in order. */
  readonly identityFiles: readonly string[];
  /** `-o`, `-l`, `-p` and `-i` in command-line order, as ssh applies them (the first User/Port wins). */
  readonly commandLine: readonly ClientArgument[];
  /** `--openssh VERSION`: the OpenSSH release whose semantics to follow (default: the library's, the newest). */
  readonly openssh: OpenSshVersion | undefined;
  /** `--strict`: refuse tsalive's extension keywords (`Heartbeat`) where OpenSSH's ssh would. */
  readonly strict: boolean;
  /** `-v`, counted. */
  readonly verbose: number;
  /** `-q`: LogLevel QUIET. */
  readonly quiet: boolean;
  /** `-G`: print the effective configuration and exit. */
  readonly printConfig: boolean;
  /** `-N`: no remote command (forwarding only). */
  readonly noCommand: boolean;
  /** `-L [bind:]port:host:hostport`, in order. */
  readonly localForwards: readonly LocalForward[];
  /** `-R`, `-D`, `-W` and `-g` (argv_tunnels.ts). */
  readonly tunnels: TunnelArguments;
  /** `-t`/`-T`: force or disable a pty (`undefined`: ssh's default, a pty for a shell when stdin is a terminal). */
  readonly tty: boolean | undefined;
  /**
   * `--reconnect`: after a death, reconnect with `@tsalive/ssh2-client`'s supervisor (capped exponential backoff
   * with jitter, a gate time, auth and host key failures never retried) and re-establish forwards.
   */
  readonly reconnect: boolean;
  /** The destination as given (`host`, `user@host`, `ssh://user@host:port`). */
  readonly destination: string;
  /** The remote command (the remaining arguments joined by spaces, as ssh does), if any. */
  readonly command: string | undefined;
}

/** A usage error: print the message, exit 255 as ssh does. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `usage: tsalive-ssh [-GgNTtv] [-D [bind_address:]port] [-F configfile]
           [-i identity_file] [-J destination] [-L address] [-l login_name]
           [-o option] [-p port] [-R address] [-W host:port] [--reconnect]
           [--openssh 9.2|10.0|10.6] [--strict]
           destination [command [argument ...]]`;

const WITH_VALUE = new Set("BbcDEeFIiJLlmOoPpQRSWw");
const FLAGS = new Set("46AaCfGgKkMNnqsTtVvXxYy");

/**
 * Reads ssh's arguments with getopt semantics (grouped flags, attached values, options end at the destination).
 * Flags ssh has and tsalive-ssh does not act on are accepted and returned in `ignored` for `-v` to name.
 *
 * @example
 * ```ts
 * import { parseClientArguments } from "./argv.ts";
 * const args = parseClientArguments(["-p", "2222", "-o", "ServerAliveInterval=5", "me@host", "uname", "-a"]);
 * args.command; // "uname -a"
 * ```
 */
export function parseClientArguments(argv: readonly string[]): ClientArguments & { ignored: string[] } {
  let configFile: string | undefined;
  const options: string[] = [];
  let port: number | undefined;
  let user: string | undefined;
  const identityFiles: string[] = [];
  const commandLine: ClientArgument[] = [];
  let openssh: OpenSshVersion | undefined;
  let strict = false;
  let verbose = 0;
  let quiet = false;
  let printConfig = false;
  let noCommand = false;
  const localForwards: LocalForward[] = [];
  const tunnels = noTunnelArguments();
  let tty: boolean | undefined;
  let reconnect = false;
  const ignored: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--reconnect") {
      reconnect = true;
      continue;
    }
    if (arg === "--strict") {
      strict = true;
      continue;
    }
    if (arg === "--openssh" || arg.startsWith("--openssh=")) {
      const value = arg === "--openssh" ? argv[++i] : arg.slice("--openssh=".length);
      if (value === undefined || !(OPENSSH_VERSIONS as readonly string[]).includes(value)) {
        throw new UsageError(
          `--openssh must be one of ${OPENSSH_VERSIONS.join(", ")}, received ${value === undefined ? "nothing" : JSON.stringify(value)}\n${USAGE}`,
        );
      }
      openssh = value as OpenSshVersion;
      continue;
    }
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j] as string;
      if (WITH_VALUE.has(flag)) {
        let value = arg.slice(j + 1);
        if (value === "") {
          const next = argv[++i];
          if (next === undefined) throw new UsageError(`option requires an argument -- ${flag}\n${USAGE}`);
          value = next;
        }
        j = arg.length;
        switch (flag) {
          case "F":
            configFile = value;
            break;
          case "o":
            options.push(value);
            commandLine.push({ kind: "option", text: value });
            break;
          case "p": {
            const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
            if (!(n >= 1 && n <= 65535)) throw new UsageError(`Bad port '${value}'`);
            // ssh: the first -p wins, like the first Port.
            port ??= n;
            commandLine.push({ kind: "port", port: n });
            break;
          }
          case "l":
            user ??= value;
            commandLine.push({ kind: "user", user: value });
            break;
          case "i":
            identityFiles.push(value);
            commandLine.push({ kind: "identityFile", path: value });
            break;
          case "J":
            // ssh.c: -J is ProxyJump on the command line (so it wins over the files), given once.
            if (commandLine.some((entry) => entry.kind === "option" && entry.text.startsWith("ProxyJump=")))
              throw new UsageError("Only a single -J option is permitted");
            commandLine.push({ kind: "option", text: `ProxyJump=${value}` });
            break;
          case "L": {
            const spec = parseForwardSpec(value);
            if (spec === undefined) throw new UsageError(`Bad local forwarding specification '${value}'`);
            localForwards.push(spec);
            break;
          }
          default:
            if (!readTunnelOption(flag, value, tunnels)) ignored.push(`-${flag} ${value}`);
        }
        continue;
      }
      if (!FLAGS.has(flag)) throw new UsageError(`unknown option -- ${flag}\n${USAGE}`);
      if (flag === "v") verbose++;
      else if (flag === "q") quiet = true;
      else if (flag === "G") printConfig = true;
      else if (flag === "N") noCommand = true;
      else if (flag === "t") tty = true;
      else if (flag === "T") tty = false;
      else if (!readTunnelFlag(flag, tunnels)) ignored.push(`-${flag}`);
    }
  }
  const destination = argv[i];
  if (destination === undefined) throw new UsageError(USAGE);
  const rest = argv.slice(i + 1);
  return {
    configFile,
    options,
    port,
    user,
    identityFiles,
    commandLine,
    openssh,
    strict,
    verbose,
    quiet,
    printConfig,
    noCommand,
    localForwards,
    tunnels,
    tty,
    reconnect,
    destination,
    command: rest.length > 0 ? rest.join(" ") : undefined,
    ignored,
  };
}
