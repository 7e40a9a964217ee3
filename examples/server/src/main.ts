/**
 * tsalive-sshd: an sshd-like server on ssh2 with tsalive's ClientAlive, Heartbeat and Watchdog.
 *
 * @module
 */
import { isTsaliveError } from "@tsalive/core";
import { parseServerArguments, UsageError } from "./argv.ts";
import { createLog } from "./log.ts";
import { formatServerConfig } from "./print_config.ts";
import { StartupRefused, startServer } from "./server.ts";
import { listenPorts, loadServerConfig, type ServerConfigSource } from "./server_config.ts";

/**
 * Runs tsalive-sshd with `argv` (without the node and script paths); resolves to the exit status for `-T` and
 * for start-up failures, and stays running otherwise until SIGTERM/SIGINT.
 */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  let args: ReturnType<typeof parseServerArguments>;
  try {
    args = parseServerArguments(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const source: ServerConfigSource = {
    configFile: args.configFile,
    options: args.options,
    extensions: args.extensions,
    ports: args.ports,
  };
  let global: ReturnType<typeof loadServerConfig>;
  try {
    const c = args.connection;
    global = loadServerConfig(
      source,
      args.test && c !== undefined
        ? {
            ...(c.user !== undefined && { user: c.user }),
            ...(c.host !== undefined && { host: c.host }),
            ...(c.addr !== undefined && { address: c.addr }),
            ...(c.laddr !== undefined && { localAddress: c.laddr }),
            ...(c.lport !== undefined && { localPort: c.lport }),
          }
        : undefined,
    );
  } catch (error) {
    if (isTsaliveError(error)) {
      process.stderr.write(`${error.message}\n`);
      return 255;
    }
    throw error;
  }
  if (args.test) {
    process.stdout.write(formatServerConfig(global, listenPorts(global, source)));
    return 0;
  }
  const log = createLog(process.stderr, args.debug);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(source, log);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const fatal = message.startsWith("sshd:") || error instanceof StartupRefused || isTsaliveError(error);
    log.error(fatal ? message : `Bind to port failed: ${message}`);
    return 255;
  }
  const stop = (signal: string) => {
    log.info(`Received signal ${signal === "SIGTERM" ? 15 : 2}; terminating.`);
    void server.close();
    // Open connections end with the listener: their processes are stopped by the supervisor on close.
    setTimeout(() => process.exit(0), 3000).unref();
  };
  // sshd re-reads its configuration on SIGHUP (it re-executes itself); connections already open keep theirs.
  process.on("SIGHUP", () => server.reload());
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return undefined;
}

const status = await main(process.argv.slice(2));
if (status !== undefined) process.exitCode = status;
