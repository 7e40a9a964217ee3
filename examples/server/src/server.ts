import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { serverMonitorOptions, serverTimeouts } from "@tsalive/config";
import {
  attach,
  formatPeer,
  type ServerLiveness,
  type ServerOptions,
  SSH2_KEEPALIVE_OFF,
  sshdMatchConnection,
} from "@tsalive/ssh2-server";
import ssh2, { type Connection } from "ssh2";
import { authorizedKeysPaths, findAuthorizedKey, readAuthorizedKeys } from "./authorized_keys.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Log } from "./log.ts";
import { listenAddresses } from "./print_config.ts";
import { listenPorts, loadServerConfig, type ServerConfigSource, unhonouredKeywords } from "./server_config.ts";
import { serveSession } from "./session.ts";
import { describeStopped } from "./stopped.ts";
import { subsystemsOf } from "./subsystems.ts";
import { lookupAccount } from "./users.ts";

/** A running tsalive-sshd. */
export interface RunningServer {
  /** The addresses actually bound (the port is the real one when 0 was asked for). */
  readonly addresses: readonly { host: string; port: number }[];
  /** Stops listening, closes every connection and stops their processes. */
  close(): Promise<void>;
}

/**
 * Starts the server: host keys, one listener per ListenAddress × Port, public-key authentication against
 * AuthorizedKeysFile, sessions (exec, shell, pty, Subsystem) and direct-tcpip forwarding, with tsalive's ClientAlive,
 * Heartbeat, Watchdog, UnusedConnectionTimeout and ChannelTimeout attached, Match evaluated per connection.
 *
 * @example
 * ```ts no-run
 * const server = await startServer({ configFile: "sshd_config", options: [], extensions: undefined, ports: [0] }, createLog(process.stderr, 0));
 * ```
 */
export async function startServer(source: ServerConfigSource, log: Log): Promise<RunningServer> {
  const global = loadServerConfig(source);
  for (const warning of global.resolution.warnings) log.info(warning.message);
  const ignored = unhonouredKeywords(global);
  if (ignored.length > 0) log.debug(`accepted but not acted on by tsalive-sshd: ${ignored.join(", ")}`);
  log.debug(`configuration read from ${global.resolution.files.join(", ")}`);
  const hostKeys: Buffer[] = [];
  for (const path of global.values.hostKey) {
    try {
      hostKeys.push(readFileSync(path));
      log.debug(`sshd: private host key: ${path}`);
    } catch {
      log.error(`Unable to load host key: ${path}`);
    }
  }
  if (hostKeys.length === 0) throw new Error("sshd: no hostkeys available -- exiting.");
  const servers: { server: ssh2.Server; liveness: ServerLiveness }[] = [];
  const subsystems = subsystemsOf(global);
  const addresses: { host: string; port: number }[] = [];
  for (const { host, port } of listenAddresses(global, listenPorts(global, source))) {
    const server = new ssh2.Server({ hostKeys, ...SSH2_KEEPALIVE_OFF });
    // sshd's Match, per connection: asked at accept (no user yet) and again once the user is known.
    const liveness = attach(server, (info) => {
      try {
        return adapterOptions(loadServerConfig(source, sshdMatchConnection(info)).values);
      } catch (error) {
        log.error(`${(error as Error).message}; using the configuration read at startup`);
        return adapterOptions(global.values);
      }
    });
    observe(liveness, log);
    server.on("connection", (connection, info) =>
      serveConnection(connection, info, source, global.values.loginGraceTime, liveness, log, subsystems),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port, ...(host === "::" && { ipv6Only: true }) }, () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
    const bound = server.address() as { address: string; port: number };
    addresses.push({ host, port: bound.port });
    log.info(`Server listening on ${host} port ${bound.port}.`);
    servers.push({ server, liveness });
  }
  return {
    addresses,
    close: async () => {
      await Promise.all(
        servers.map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/** sshd_config values (seconds) → the server adapter's options (ms), through @tsalive/config's mapping to core. */
export function adapterOptions(values: ReturnType<typeof loadServerConfig>["values"]): ServerOptions {
  return { ...serverMonitorOptions(values), ...serverTimeouts(values) };
}

function observe(liveness: ServerLiveness, log: Log): void {
  liveness.on("probe", ({ connection, payload }) => {
    log.debug(
      `ClientAlive probe ${payload.unanswered} (${payload.via} request) to ${formatPeer(connection.stats().info)}`,
    );
  });
  liveness.on("reply", ({ connection, payload }) => {
    const rtt = payload.rtt === undefined ? "" : `, rtt ${payload.rtt.toFixed(1)} ms`;
    log.debug(`ClientAlive reply from ${formatPeer(connection.stats().info)}${rtt}`);
  });
  liveness.on("heartbeat", ({ connection }) =>
    log.debug(`Heartbeat (SSH_MSG_IGNORE) to ${formatPeer(connection.stats().info)}`),
  );
  liveness.on("channel-timeout", ({ connection, payload }) => {
    log.info(`channel ${payload.channel}: ${payload.label} timeout for ${formatPeer(connection.stats().info)}`);
  });
  liveness.on("timeout", ({ payload }) => log.info(payload.message));
  // Once the watchdog's processes are gone (and before the socket is destroyed): what it stopped.
  liveness.on("watchdog", ({ connection, payload }) => {
    log.info(describeStopped("Watchdog", formatPeer(connection.stats().info), payload.stopped));
  });
  // Everything the connection's teardown stopped (the watchdog's processes too).
  liveness.on("close", ({ connection, payload }) => {
    if (payload.stopped.length > 0) {
      log.debug(describeStopped("Close", formatPeer(connection.stats().info), payload.stopped));
    }
  });
}

function serveConnection(
  connection: Connection,
  info: { ip: string; port: number },
  source: ServerConfigSource,
  grace: number,
  liveness: ServerLiveness,
  log: Log,
  subsystems: ReadonlyMap<string, string>,
): void {
  const handle = liveness.of(connection);
  const where = handle?.stats().info;
  const peer = { addr: info.ip, port: info.port };
  log.debug(`Connection from ${info.ip} port ${info.port} on ${where?.laddr ?? "?"} port ${where?.lport ?? "?"}`);
  // TCP_NODELAY, as sshd sets for interactive sessions: probe replies and keystrokes are not held back by Nagle.
  // (ssh2's Connection#setNoDelay is public; @types/ssh2 1.15 does not declare it.)
  (connection as Connection & { setNoDelay?(noDelay: boolean): void }).setNoDelay?.(true);
  let user: string | undefined;
  let authenticated = false;
  const graceTimer =
    grace > 0
      ? setTimeout(() => {
          if (authenticated) return;
          log.info(`Timeout before authentication for ${info.ip} port ${info.port}`);
          (connection as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
        }, grace * 1000)
      : undefined;
  graceTimer?.unref?.();
  connection.on("error", (error) => log.debug(`connection error from ${info.ip} port ${info.port}: ${error.message}`));
  connection.on("authentication", (context) => {
    user = context.username;
    const account = lookupAccount(context.username);
    let settings: ReturnType<typeof loadServerConfig>["values"];
    try {
      settings = loadServerConfig(source, {
        user: context.username,
        host: info.ip,
        address: info.ip,
        ...(where && { localAddress: where.laddr, localPort: where.lport }),
      }).values;
    } catch (error) {
      log.error((error as Error).message);
      return context.reject(["publickey"]);
    }
    if (account === undefined) {
      if (context.method !== "none") log.info(`Invalid user ${context.username} from ${info.ip} port ${info.port}`);
      return context.reject(["publickey"]);
    }
    if (context.method !== "publickey" || !settings.pubkeyAuthentication) return context.reject(["publickey"]);
    const keys = readAuthorizedKeys(authorizedKeysPaths(settings.authorizedKeysFile, account));
    const found = findAuthorizedKey(keys, context.key.data);
    if (found === undefined) {
      log.debug(`publickey for ${context.username} from ${info.ip} port ${info.port} not in authorized keys`);
      return context.reject(["publickey"]);
    }
    if (context.signature === undefined) return context.accept(); // the client asks whether this key would do
    const parsed = ssh2.utils.parseKey(context.key.data);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key === undefined || key instanceof Error || context.blob === undefined) return context.reject(["publickey"]);
    if (key.verify(context.blob, context.signature, context.hashAlgo) !== true) return context.reject(["publickey"]);
    log.info(
      `Accepted publickey for ${context.username} from ${info.ip} port ${info.port} ssh2: ${fingerprint(key.type, context.key.data)}`,
    );
    return context.accept();
  });
  connection.on("ready", () => {
    authenticated = true;
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    const account = lookupAccount(user as string);
    if (account === undefined || handle === undefined) return connection.end();
    const remote = { addr: info.ip, port: info.port, laddr: where?.laddr ?? "", lport: where?.lport ?? 0 };
    const context = {
      account,
      supervisor: handle.supervisor,
      log,
      peer: formatPeer({ user: account.name, ...peer }),
      remote,
      subsystems,
    };
    connection.on("session", (accept) => serveSession(accept(), context));
    connection.on("tcpip", (accept, reject, request) => {
      const upstream = tcpConnect(request.destPort, request.destIP);
      upstream.once("error", (error) => {
        log.debug(`connect_to ${request.destIP} port ${request.destPort}: failed: ${error.message}`);
        reject?.();
      });
      upstream.once("connect", () => {
        const channel = accept();
        log.debug(`direct-tcpip to ${request.destIP} port ${request.destPort} for ${context.peer}`);
        channel.pipe(upstream).pipe(channel);
        upstream.on("error", () => channel.close());
        channel.on("close", () => upstream.destroy());
      });
    });
    connection.on("request", (accept, reject, name) => {
      log.debug(`server_input_global_request: ${name} (not supported)`);
      reject?.();
      void accept;
    });
  });
  connection.on("close", () => {
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    if (authenticated) log.info(`Disconnected from ${formatPeer({ user, ...peer })}`);
    else log.info(`Connection closed by ${info.ip} port ${info.port} [preauth]`);
  });
}
