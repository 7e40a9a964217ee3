/**
 * tsalive-ssh: an ssh-like client on ssh2 with tsalive's ServerAlive and Heartbeat.
 *
 * @module
 */
import { isTsaliveError } from "@tsalive/core";
import { type ClientArguments, parseClientArguments, UsageError } from "./argv.ts";
import { backoffDelay } from "./backoff.ts";
import { ConnectFailure, type Connection, connect } from "./connect.ts";
import { dumpClient, formatClientDump } from "./dump.ts";
import { ForwardFailure, type LocalForwarding, startLocalForwarding } from "./forward.ts";
import { createLog, verboseLevel } from "./log.ts";
import { printConfig } from "./print_config.ts";
import { startRemoteForwarding } from "./remote_forward.ts";
import { runSession } from "./session.ts";
import { type ClientSettings, resolveSettings } from "./settings.ts";
import { runStdioForward } from "./stdio_forward.ts";

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
  if (settings.unsupported !== undefined) {
    log.error(
      `tsalive-ssh: ${settings.unsupported} is not supported; refusing to connect to ${settings.hostName} directly`,
    );
    return 255;
  }
  let forwarding: LocalForwarding | undefined;
  let attempt = 0;
  // Linux has no SIGINFO (OpenSSH 10.1 dumps on it): the connection's liveness on SIGUSR1.
  let current: Connection | undefined;
  const target = { user: settings.user, host: settings.hostName, port: settings.port };
  process.on("SIGUSR1", () => {
    if (current === undefined)
      log.info(`connection to ${target.user}@${target.host} port ${target.port}: not connected`);
    else log.info(formatClientDump(dumpClient(target, current.liveness.stats())));
  });
  try {
    for (;;) {
      let outcome: { exit: number } | { retry: string };
      try {
        const connection = await connect(settings, log);
        current = connection;
        attempt = 0;
        const { tunnels } = settings;
        if (settings.localForwards.length > 0 || tunnels.dynamicForwards.length > 0) {
          forwarding ??= await startLocalForwarding(settings.localForwards, tunnels.dynamicForwards, tunnels, log);
          forwarding.use(connection.client);
        }
        await startRemoteForwarding(connection.client, tunnels.remoteForwards, tunnels, log);
        if (tunnels.stdioForward !== undefined) {
          const end = await Promise.race([
            runStdioForward(connection.client, tunnels.stdioForward, log),
            connection.closed.then((reason) => ({ reason })),
          ]);
          if (typeof end === "number") outcome = { exit: end };
          else outcome = { retry: end.reason ?? `Connection to ${settings.hostName} closed by remote host.` };
          connection.client.end();
        } else if (args.noCommand) {
          const reason = await connection.closed;
          outcome = { retry: reason ?? `Connection to ${settings.hostName} closed by remote host.` };
        } else {
          const end = await Promise.race([
            runSession(connection.client, args.command, pty),
            connection.closed.then((reason) => ({ reason })),
          ]);
          if ("status" in end) outcome = { exit: end.status };
          else if ("signal" in end) outcome = { exit: 255 };
          else {
            const reason = "reason" in end ? end.reason : await connection.closed;
            outcome = { retry: reason ?? `Connection to ${settings.hostName} closed by remote host.` };
          }
          connection.client.end();
          if ("exit" in outcome && pty && args.command === undefined)
            log.info(`Connection to ${settings.hostName} closed.`);
        }
        forwarding?.use(undefined);
        current = undefined;
      } catch (error) {
        if (error instanceof ForwardFailure) {
          // ExitOnForwardFailure: ssh's fatal(), exit 255, never retried.
          log.error(error.message);
          current?.client.end();
          return 255;
        }
        if (!(error instanceof ConnectFailure)) throw error;
        if (!error.retryable || error.detail !== undefined) {
          log.error(error.message);
          if (error.detail !== undefined) log.info(error.detail);
          if (!error.retryable || !args.reconnect) return 255;
        }
        outcome = { retry: error.detail === undefined ? error.message : "" };
      }
      if ("exit" in outcome) return outcome.exit;
      if (outcome.retry !== "") log.error(outcome.retry);
      if (!args.reconnect) return 255;
      const delay = backoffDelay(attempt++);
      log.error(`tsalive-ssh: reconnecting to ${settings.hostName} in ${delay / 1000} s (attempt ${attempt})`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  } finally {
    forwarding?.close();
  }
}

const status = await main(process.argv.slice(2));
// stdin may still be open (piped into a channel that is gone): exit now, with the remote status as ssh does.
process.exit(status);
