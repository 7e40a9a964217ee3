/**
 * tsalive-sshd: an sshd-like server on ssh2 with tsalive's ClientAlive, Heartbeat and Watchdog.
 *
 * @module
 */
import { extensionNotice } from "@tsalive/config";
import { isTsaliveError } from "@tsalive/core";
import { parseServerArguments, UsageError } from "./argv.ts";
import { formatDump } from "./dump.ts";
import { createLog } from "./log.ts";
import type { MetricsEndpoint } from "./metrics_endpoint.ts";
import { formatServerConfig } from "./print_config.ts";
import { StartupRefused, startServer } from "./server.ts";
import { listenPorts, loadServerConfig, type ServerConfigSource, STARTUP_CONNECTION } from "./server_config.ts";

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
    openssh: args.openssh,
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
            ...(c.rdomain !== undefined && { rdomain: c.rdomain }),
            ...(c.invalidUser === true && { invalidUser: true }),
          }
        : args.test
          ? undefined
          : STARTUP_CONNECTION,
    );
  } catch (error) {
    if (isTsaliveError(error)) {
      process.stderr.write(`${error.message}\n`);
      return 255;
    }
    throw error;
  }
  // Once, with -d: sshd_config holds tsalive's own keywords, which OpenSSH's sshd would refuse, and how to share it.
  const notice = extensionNotice(global);
  if (notice !== undefined) createLog(process.stderr, args.debug).debug(notice);
  if (args.test) {
    process.stdout.write(formatServerConfig(global, listenPorts(global, source), process.cwd()));
    return 0;
  }
  const log = createLog(process.stderr, args.debug);
  let server: Awaited<ReturnType<typeof startServer>>;
  let metrics: MetricsEndpoint | undefined;
  try {
    if (args.metrics !== undefined) {
      // Loaded only when asked for: without --metrics no OpenTelemetry SDK is in the process.
      metrics = await (await import("./metrics_endpoint.ts")).startMetricsEndpoint(args.metrics);
      const { host, port } = metrics.address;
      log.info(`Metrics on http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics.`);
    }
    server = await startServer(source, log, metrics === undefined ? {} : { meter: metrics.meter });
  } catch (error) {
    void metrics?.close();
    const message = error instanceof Error ? error.message : String(error);
    const fatal = message.startsWith("sshd:") || error instanceof StartupRefused || isTsaliveError(error);
    log.error(fatal ? message : `Bind to port failed: ${message}`);
    return 255;
  }
  const stop = (signal: string) => {
    log.info(`Received signal ${signal === "SIGTERM" ? 15 : 2}; terminating.`);
    void server.close();
    void metrics?.close();
    // Open connections end with the listener: their processes are stopped by the supervisor on close.
    setTimeout(() => process.exit(0), 3000).unref();
  };
  // sshd re-reads its configuration on SIGHUP (it re-executes itself); connections already open keep theirs.
  process.on("SIGHUP", () => server.reload());
  // Linux has no SIGINFO (OpenSSH 10.1 dumps on it): one line per connection on SIGUSR1.
  process.on("SIGUSR1", () => {
    const connections = server.dump();
    log.info(`Received SIGUSR1; ${connections.length} connection${connections.length === 1 ? "" : "s"}.`);
    for (const connection of connections) log.info(formatDump(connection));
  });
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return undefined;
}

const status = await main(process.argv.slice(2));
if (status !== undefined) process.exitCode = status;
