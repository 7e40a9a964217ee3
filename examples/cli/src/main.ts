/**
 * tsalive-ssh: an ssh-like client on ssh2 with tsalive's ServerAlive and Heartbeat.
 *
 * @module
 */
import { isTsaliveError } from "@tsalive/core";
import { supervise } from "@tsalive/ssh2-client";
import { type ClientArguments, parseClientArguments, UsageError } from "./argv.ts";
import { ConnectFailure, type Connection, connect } from "./connect.ts";
import { formatClientDump } from "./dump.ts";
import { type LocalForwarding, startLocalForwarding } from "./forward.ts";
import { type JumpHop, jumpChain } from "./jump.ts";
import { connectThrough } from "./jump_connect.ts";
import { createLog, verboseLevel } from "./log.ts";
import { printConfig } from "./print_config.ts";
import { startRemoteForwarding } from "./remote_forward.ts";
import { runSession } from "./session.ts";
import { type ClientSettings, resolveSettings } from "./settings.ts";
import { runStdioForward } from "./stdio_forward.ts";
import type { StdioForward } from "./tunnel_spec.ts";

/**
 * ssh.c's pseudo-terminal decision: whether ssh would have wanted a pty but refuses it because stdin is not a
 * terminal (the one case it prints "Pseudo-terminal will not be allocated…", -G included).
 */
function ttyRefusedForStdin(args: ClientArguments, settings: ClientSettings, stdinIsTty: boolean): boolean {
  const request = args.tty === true ? "yes" : args.tty === false ? "no" : settings.requestTty;
  const yes = request === "yes" || request === "true";
  const no = request === "no" || request === "false";
  let want = yes || request === "force";
  if (args.command === undefined && !settings.remoteCommand) want = !no;
  if (no || args.noCommand || settings.sessionNone || args.tunnels.stdioForward !== undefined) want = false;
  return want && (!stdinIsTty || settings.stdinNull) && request !== "force";
}

/** Runs tsalive-ssh with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseClientArguments>;
  let settings: ClientSettings;
  try {
    args = parseClientArguments(argv);
    settings = resolveSettings(args);
  } catch (error) {
    if (error instanceof UsageError || isTsaliveError(error)) {
      process.stderr.write(`${error.message}\n`);
      return 255;
    }
    throw error;
  }
  const log = createLog(process.stderr, verboseLevel(args.quiet ? "QUIET" : settings.logLevel, args.verbose));
  // ssh prints these while it reads its arguments and files, before -G's output.
  for (const warning of settings.resolved.resolution.warnings) log.error(warning.message);
  const notes = settings.resolved.resolution.extensionNotes;
  if (notes.length > 0) {
    log.debug(
      `tsalive reads its extension keywords in place, but OpenSSH ${settings.resolved.resolution.openssh}'s ssh would reject this configuration:\n${notes.map((n) => n.message).join("\n")}`,
    );
  }
  // ssh.c decides on a pty before -G dumps the configuration, and says so when stdin is not a terminal.
  if (ttyRefusedForStdin(args, settings, process.stdin.isTTY === true)) {
    log.info("Pseudo-terminal will not be allocated because stdin is not a terminal.");
  }
  // -W: no session, so no pty either.
  const pty =
    args.tunnels.stdioForward === undefined &&
    (args.tty ?? (args.command === undefined && process.stdin.isTTY === true));
  if (args.printConfig) {
    process.stdout.write(printConfig(settings.resolved, args.strict));
    return 0;
  }
  if (args.ignored.length > 0 || settings.unhonoured.length > 0) {
    log.debug(`tsalive-ssh accepts but does not act on: ${[...args.ignored, ...settings.unhonoured].join(", ")}`);
  }
  let jumps: JumpHop[] | undefined;
  try {
    jumps = settings.resolved.values.proxyJump === undefined ? undefined : jumpChain(args, settings, resolveSettings);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    log.error(error.message);
    return 255;
  }
  const hops = jumps;
  let forwarding: LocalForwarding | undefined;
  const target = { user: settings.user, host: settings.hostName, port: settings.port };
  const lostMessage = `Connection to ${settings.hostName} closed by remote host.`;
  const supervisor = supervise<Session>({
    connect: async () => {
      const connection: Connection & { close?: () => void } =
        hops === undefined ? await connect(settings, log) : await connectThrough(hops, log);
      return {
        connection,
        closed: connection.closed.then((reason) => ({ error: new Error(reason ?? lostMessage) })),
        close: () => (connection.close === undefined ? connection.client.end() : connection.close()),
      };
    },
    // -L and -D listen once, for every connection; -R is asked for again on each. A ForwardFailure
    // (ExitOnForwardFailure) ends the connection with ssh's message.
    establish: async ({ connection }) => {
      const { tunnels } = settings;
      if (settings.localForwards.length > 0 || tunnels.dynamicForwards.length > 0) {
        forwarding ??= await startLocalForwarding(settings.localForwards, tunnels.dynamicForwards, tunnels, log);
        forwarding.use(connection.client);
      }
      await startRemoteForwarding(connection.client, tunnels.remoteForwards, tunnels, log);
    },
    // The command is sent once: after a reconnect only the forwards come back (tsalive-ssh never re-runs it).
    ...(args.tunnels.stdioForward !== undefined && {
      run: ({ connection }) => runStdioForward(connection.client, args.tunnels.stdioForward as StdioForward, log),
    }),
    ...(!args.noCommand &&
      args.tunnels.stdioForward === undefined && {
        run: async ({ connection }) => {
          const end = await runSession(connection.client, args.command, pty);
          if ("status" in end) return end.status;
          if ("signal" in end) return 255;
          // The channel went with the connection: the supervisor sees the loss and reconnects (or gives up).
          return new Promise<never>(() => {});
        },
      }),
    // autossh's AUTOSSH_GATETIME (seconds, default 30): a first connection that fails sooner is not retried.
    gate: args.reconnect ? gateTime(process.env.TSALIVE_GATETIME) : 0,
    ...(!args.reconnect && { maxAttempts: 1 }),
    backoff: { initial: 1000, max: 60_000 },
  });
  supervisor.on("disconnected", ({ error }) => {
    forwarding?.use(undefined);
    log.error(error?.message ?? lostMessage);
    if (error instanceof ConnectFailure && error.detail !== undefined) log.info(error.detail);
  });
  supervisor.on("waiting", ({ attempt, delay }) =>
    log.error(
      `tsalive-ssh: reconnecting to ${settings.hostName} in ${(delay / 1000).toFixed(1)} s (attempt ${attempt})`,
    ),
  );
  // Linux has no SIGINFO (OpenSSH 10.1 dumps on it): the connection's liveness on SIGUSR1, one line per hop.
  process.on("SIGUSR1", () => {
    const current = supervisor.session?.connection;
    if (current === undefined) {
      log.info(`connection to ${target.user}@${target.host} port ${target.port}: not connected`);
      return;
    }
    const dumps = current.dump();
    for (const [index, dump] of dumps.entries()) {
      const hop = dump.hop === undefined ? undefined : { name: dump.hop, number: index + 1, of: dumps.length };
      log.info(formatClientDump(dump, hop));
    }
  });
  try {
    const end = await supervisor.ended;
    if (end.reason !== "done") return 255;
    if (pty && args.command === undefined) log.info(`Connection to ${settings.hostName} closed.`);
    return end.result as number;
  } finally {
    forwarding?.close();
  }
}

/** What the supervisor keeps up: one connection (direct or through a ProxyJump chain). */
interface Session {
  readonly connection: Connection;
  readonly closed: Promise<{ readonly error: Error }>;
  close(): void;
}

function gateTime(value: string | undefined): number {
  const seconds = value === undefined || value === "" ? 30 : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

const status = await main(process.argv.slice(2));
// stdin may still be open (piped into a channel that is gone): exit now, with the remote status as ssh does.
process.exit(status);
