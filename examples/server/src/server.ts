import { readFileSync } from "node:fs";
import { createServer, type Server as NetServer, type Socket, connect as tcpConnect } from "node:net";
import { join } from "node:path";
import type { Meter } from "@opentelemetry/api";
import { type ResolvedServerConfig, serverMonitorOptions, serverTimeouts } from "@tsalive/config";
import { type ConnectionDump, type ConnectionTracker, instrumentServer, trackConnections } from "@tsalive/metrics";
import {
  attach,
  ConnectionLiveness,
  formatPeer,
  type ServerLiveness,
  type ServerOptions,
  SSH2_KEEPALIVE_OFF,
  sshdMatchConnection,
} from "@tsalive/ssh2-server";
import ssh2, { type AuthContext, type Connection } from "ssh2";
import {
  connectionSocket,
  DISCONNECT_PROTOCOL_ERROR,
  disconnect,
  OPEN_ADMINISTRATIVELY_PROHIBITED,
  OPEN_CONNECT_FAILED,
  rejectChannel,
} from "./_ssh2_door.ts";
import { allowedUser, rootAllowed, rsaBits } from "./access.ts";
import { hpdelim2, type KeyOptions } from "./auth_options.ts";
import { authorizedKeysPaths, blobType, findAuthorizedKey } from "./authorized_keys.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Log } from "./log.ts";
import { type AccessPolicy, accessPolicy, type MaxStartups, maxStartups, refusedKeywords } from "./policy.ts";
import { listenAddresses } from "./print_config.ts";
import { serveRemoteForwarding } from "./remote_forward.ts";
import {
  type ConfigSnapshot,
  configSnapshot,
  everyDirective,
  listenPorts,
  loadServerConfig,
  type ServerConfigSource,
  STARTUP_CONNECTION,
  unhonouredKeywords,
} from "./server_config.ts";
import { serveSession } from "./session.ts";
import { applySessionRules, readEnvironmentFile } from "./session_policy.ts";
import { StartupsThrottle } from "./startups.ts";
import { describeStopped } from "./stopped.ts";
import { strerror } from "./strerror.ts";
import { subsystemsOf } from "./subsystems.ts";
import { type Account, accountGroups, lookupAccount } from "./users.ts";

/** A running tsalive-sshd. */
export interface RunningServer {
  /** The addresses actually bound (the port is the real one when 0 was asked for). */
  readonly addresses: readonly { host: string; port: number }[];
  /** Reads the configuration again, as sshd does on SIGHUP; listeners stay as they are. */
  reload(): void;
  /** Every open connection, for the SIGUSR1 dump. */
  dump(): ConnectionDump[];
  /** Stops listening, closes every connection and stops their processes. */
  close(): Promise<void>;
}

/** tsalive-sshd will not start: the message names the keyword (or the problem), as sshd's fatal() would. */
export class StartupRefused extends Error {
  override name = "StartupRefused";
}

/** The configuration as read at start or at the last SIGHUP, shared by every listener. */
class ConfigState {
  snapshot: ConfigSnapshot = configSnapshot();
  global!: ResolvedServerConfig;
  /** The `Subsystem` lines (global only in sshd), by name. */
  subsystems: ReadonlyMap<string, string> = new Map();
  readonly throttle: StartupsThrottle;

  constructor(
    readonly source: ServerConfigSource,
    readonly log: Log,
  ) {
    this.throttle = new StartupsThrottle(this.read(), log);
  }

  /**
   * Reads every file into a fresh snapshot and checks it; throws without changing anything when it is refused.
   * Returns the MaxStartups it read.
   */
  read(): MaxStartups {
    const snapshot = configSnapshot();
    const global = loadServerConfig(this.source, STARTUP_CONNECTION, snapshot);
    const refused = refusedKeywords(global, everyDirective(this.source, snapshot, global.resolution.files));
    if (refused.length > 0) {
      throw new StartupRefused(
        refused
          .map((r) => `${r.where}: ${r.keyword} is not enforced by tsalive-sshd (${r.reason}); refusing to start.`)
          .join("\n"),
      );
    }
    let startups: MaxStartups;
    try {
      startups = maxStartups(global);
    } catch (error) {
      throw new StartupRefused((error as Error).message);
    }
    for (const key of ["maxauthtries", "maxsessions", "requiredrsasize"]) {
      for (const a of global.resolution.settings.get(key)?.assignments ?? []) {
        if (!/^[0-9]+$/.test(a.args[0] ?? "")) throw new StartupRefused(`${a.keyword}: integer value invalid.`);
      }
    }
    this.snapshot = snapshot;
    this.global = global;
    this.subsystems = subsystemsOf(global);
    return startups;
  }

  /** SIGHUP: the files read again; MaxStartups applies to the next accept. */
  reload(): void {
    this.throttle.spec = this.read();
  }

  /** The configuration for a connection, Match evaluated over the snapshot (no file is read again). */
  resolve(
    connection: Parameters<typeof loadServerConfig>[1],
    groups?: (user: string) => readonly string[] | undefined,
  ): ResolvedServerConfig {
    return loadServerConfig(this.source, connection, this.snapshot, groups);
  }
}

/**
 * Starts the server: host keys, one listener per ListenAddress × Port, public-key authentication against
 * AuthorizedKeysFile with sshd's access rules, sessions (exec, shell, pty, Subsystem), direct-tcpip forwarding and
 * remote forwarding (tcpip-forward, forwarded-tcpip channels), with
 * tsalive's ClientAlive, Heartbeat, Watchdog, UnusedConnectionTimeout and ChannelTimeout attached, Match
 * evaluated per connection over the configuration read at start (and again on {@linkcode RunningServer.reload}).
 *
 * @throws {StartupRefused} when the configuration sets a keyword that restricts access and is not enforced.
 * @example
 * ```ts no-run
 * const server = await startServer({ configFile: "sshd_config", options: [], extensions: undefined, ports: [0] }, createLog(process.stderr, 0));
 * ```
 */
export async function startServer(
  source: ServerConfigSource,
  log: Log,
  options: { readonly meter?: Meter } = {},
): Promise<RunningServer> {
  const state = new ConfigState(source, log);
  const global = state.global;
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
  const listeners: { listener: NetServer; server: ssh2.Server }[] = [];
  const addresses: { host: string; port: number }[] = [];
  const trackers: ConnectionTracker[] = [];
  for (const { host, port } of listenAddresses(global, listenPorts(global, source))) {
    const server = new ssh2.Server({ hostKeys, ...SSH2_KEEPALIVE_OFF });
    // sshd's Match, per connection: asked at accept (no user yet) and again once the user is known.
    const liveness = attach(server, (info) => {
      try {
        return adapterOptions(state.resolve(sshdMatchConnection(info)).values);
      } catch (error) {
        log.error(`${(error as Error).message}; using the configuration read at startup`);
        return adapterOptions(state.global.values);
      }
    });
    observe(liveness, log);
    const recording = options.meter === undefined ? undefined : instrumentServer(liveness, { meter: options.meter });
    // tsalive-sshd's own closes (LoginGraceTime, MaxAuthTries, a failed login) count as close.reason=local_close.
    const closing: Closing = (socket) => {
      const handle = ConnectionLiveness.of(socket);
      if (handle !== undefined) recording?.closing(handle);
    };
    trackers.push(trackConnections(liveness));
    server.on("connection", (connection, info) => serveConnection(connection, info, state, liveness, closing, log));
    // Our own listener, so MaxStartups and LoginGraceTime start at the TCP accept, before ssh2 sends a byte.
    const listener = createServer((socket) => accept(socket, server, state, closing, log));
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.listen({ host, port, ...(host === "::" && { ipv6Only: true }) }, () => {
        listener.removeListener("error", reject);
        resolve();
      });
    });
    const bound = listener.address() as { address: string; port: number };
    addresses.push({ host, port: bound.port });
    log.info(`Server listening on ${host} port ${bound.port}.`);
    listeners.push({ listener, server });
  }
  return {
    addresses,
    dump: () => trackers.flatMap((tracker) => tracker.dump()),
    reload: () => {
      log.info("Received SIGHUP; restarting.");
      try {
        state.reload();
        log.debug(`configuration read from ${state.global.resolution.files.join(", ")}`);
      } catch (error) {
        log.error(`${(error as Error).message}\nkeeping the configuration read before`);
      }
    },
    close: async () => {
      await Promise.all(
        listeners.map(
          ({ listener, server }) =>
            new Promise<void>((resolve) => {
              listener.close(() => resolve());
              server.close();
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

/** Says tsalive-sshd itself is closing this connection (for the metrics' close.reason). */
type Closing = (socket: Socket | undefined) => void;

/** What the accept side keeps for a connection until it authenticates. */
interface Pending {
  readonly release: () => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

const pending = new WeakMap<Socket, Pending>();

/** sshd's accept loop: MaxStartups (random early drop), then LoginGraceTime from this moment, then SSH. */
function accept(socket: Socket, server: ssh2.Server, state: ConfigState, closing: Closing, log: Log): void {
  socket.on("error", () => undefined);
  const remote = { addr: socket.remoteAddress ?? "UNKNOWN", port: socket.remotePort ?? 0 };
  const local = { addr: socket.localAddress ?? "UNKNOWN", port: socket.localPort ?? 0 };
  const release = state.throttle.admit(remote, local);
  if (release === undefined) {
    socket.end("Exceeded MaxStartups\r\n");
    return;
  }
  const grace = state.global.values.loginGraceTime;
  const timer =
    grace > 0
      ? setTimeout(() => {
          log.info(`Timeout before authentication for ${remote.addr} port ${remote.port}`);
          closing(socket);
          socket.destroy();
        }, grace * 1000)
      : undefined;
  timer?.unref?.();
  pending.set(socket, { release, timer });
  socket.once("close", () => authenticatedOrGone(socket));
  server.injectSocket(socket);
}

function authenticatedOrGone(socket: Socket | undefined): void {
  if (socket === undefined) return;
  const entry = pending.get(socket);
  if (entry === undefined) return;
  pending.delete(socket);
  entry.release();
  if (entry.timer !== undefined) clearTimeout(entry.timer);
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

/** The user a connection authenticates as, decided at its first userauth request as sshd's getpwnamallow does. */
interface UserState {
  readonly name: string;
  readonly account: Account | undefined;
  /** Exists and passes allowed_user. */
  readonly valid: boolean;
  readonly policy: AccessPolicy;
  readonly config: ResolvedServerConfig;
  readonly gids: readonly number[];
}

/** auth2.c userauth_finish's failure count and MaxAuthTries, per connection. */
interface AuthState {
  attempts: number;
  failures: number;
  user: Promise<UserState> | undefined;
}

function serveConnection(
  connection: Connection,
  info: { ip: string; port: number },
  state: ConfigState,
  liveness: ServerLiveness,
  closing: Closing,
  log: Log,
): void {
  const handle = liveness.of(connection);
  const close = (): void => {
    closing(connectionSocket(connection));
    disconnect(connection, DISCONNECT_PROTOCOL_ERROR);
  };
  const where = handle?.stats().info;
  const peer = { addr: info.ip, port: info.port };
  const remote = { ip: info.ip, port: info.port };
  log.debug(`Connection from ${info.ip} port ${info.port} on ${where?.laddr ?? "?"} port ${where?.lport ?? "?"}`);
  // TCP_NODELAY, as sshd sets for interactive sessions: probe replies and keystrokes are not held back by Nagle.
  // (ssh2's Connection#setNoDelay is public; @types/ssh2 1.15 does not declare it.)
  (connection as Connection & { setNoDelay?(noDelay: boolean): void }).setNoDelay?.(true);
  const auth: AuthState = { attempts: 0, failures: 0, user: undefined };
  let authenticated:
    | { user: UserState; key: KeyOptions; environmentFile: readonly (readonly [string, string])[] }
    | undefined;
  let closed = false;
  const matchConnection = (user: string) => ({
    user,
    host: info.ip,
    address: info.ip,
    ...(where && { localAddress: where.laddr, localPort: where.lport }),
  });
  const loadUser = async (name: string): Promise<UserState> => {
    const account = await lookupAccount(name);
    const groups = account === undefined ? { names: [], gids: [] } : await accountGroups(account);
    const config = state.resolve(matchConnection(name), (u) => (u === name && account ? groups.names : undefined));
    const policy = accessPolicy(config);
    if (account === undefined) {
      log.info(`Invalid user ${name.slice(0, 100)} from ${info.ip} port ${info.port}`);
      return { name, account, valid: false, policy, config, gids: [] };
    }
    const valid = await allowedUser(account, groups.names, policy, remote, log);
    return { name, account, valid, policy, config, gids: groups.gids };
  };
  const decide = async (context: AuthContext): Promise<void> => {
    auth.attempts++;
    auth.user ??= loadUser(context.username);
    const user = await auth.user;
    if (closed) return;
    const fail = (logged?: string) => {
      if (logged !== undefined) log.info(logged);
      if (auth.attempts > 1 || context.method !== "none") auth.failures++;
      if (auth.failures >= user.policy.maxAuthTries) {
        const who = `${user.valid ? "" : "invalid user "}${user.name.slice(0, 100)}`;
        log.error(
          `maximum authentication attempts exceeded for ${who} from ${info.ip} port ${info.port} ssh2 [preauth]`,
        );
        log.info(
          `Disconnecting ${user.valid ? "authenticating" : "invalid"} user ${user.name} ${info.ip} port ${info.port}: Too many authentication failures [preauth]`,
        );
        close();
        return;
      }
      context.reject(["publickey"]);
    };
    if (context.method !== "publickey" || !user.config.values.pubkeyAuthentication) return fail();
    const fp = fingerprint(blobType(context.key.data), context.key.data);
    const failed = `Failed publickey for ${user.valid ? "" : "invalid user "}${user.name.slice(0, 100)} from ${info.ip} port ${info.port} ssh2: ${fp}`;
    const bits = rsaBits(context.key.data);
    if (bits > 0 && bits < user.policy.requiredRsaSize) {
      log.info("refusing RSA key: Invalid key length");
      return fail(failed);
    }
    if (!user.valid || user.account === undefined) return fail(failed);
    const account = user.account;
    const found = await findAuthorizedKey(
      authorizedKeysPaths(user.config.values.authorizedKeysFile, account),
      {
        account,
        blob: context.key.data,
        remoteIp: info.ip,
        remoteHost: info.ip,
        strictModes: user.policy.strictModes,
        gids: user.gids,
        now: Math.floor(Date.now() / 1000),
      },
      log,
    );
    if (closed) return;
    if (found === undefined) return fail(failed);
    if (context.signature === undefined) return context.accept(); // the client asks whether this key would do
    const parsed = ssh2.utils.parseKey(context.key.data);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key === undefined || key instanceof Error || context.blob === undefined) return fail(failed);
    if (key.verify(context.blob, context.signature, context.hashAlgo) !== true) return fail(failed);
    if (account.uid === 0 && !rootAllowed(user.policy.permitRootLogin, found.options, remote, log)) {
      return fail(failed);
    }
    // Read now, not when a session starts: by then the command must be started without waiting.
    const permit = user.policy.permitUserEnvironment;
    const environmentFile =
      permit === false
        ? []
        : await readEnvironmentFile(
            join(account.home, ".ssh", "environment"),
            typeof permit === "string" ? permit : undefined,
          );
    if (closed) return;
    log.info(`Accepted publickey for ${user.name} from ${info.ip} port ${info.port} ssh2: ${fp}`);
    authenticated = { user, key: found.options, environmentFile };
    context.accept();
  };
  connection.on("error", (error) => log.debug(`connection error from ${info.ip} port ${info.port}: ${error.message}`));
  connection.on("authentication", (context) => {
    decide(context).catch((error: unknown) => {
      log.error((error as Error).message);
      close();
    });
  });
  connection.on("ready", () => {
    authenticatedOrGone(connectionSocket(connection));
    if (authenticated === undefined || handle === undefined || authenticated.user.account === undefined) {
      closing(connectionSocket(connection));
      return connection.end();
    }
    const { user, key, environmentFile } = authenticated;
    const account = authenticated.user.account;
    const { policy } = user;
    const address = { addr: info.ip, port: info.port, laddr: where?.laddr ?? "", lport: where?.lport ?? 0 };
    const context = {
      account,
      supervisor: handle.supervisor,
      log,
      peer: formatPeer({ user: account.name, ...peer }),
      remote: address,
      subsystems: state.subsystems,
    };
    let sessions = 0;
    let ids = 0;
    connection.on("session", (acceptSession, rejectSession) => {
      // session.c session_new: MaxSessions open sessions per connection, counted until each one closes.
      if (sessions >= policy.maxSessions) {
        log.error("no more sessions");
        return rejectSession();
      }
      sessions++;
      const session = acceptSession();
      session.once("close", () => {
        sessions--;
      });
      const from = `${account.name} from ${info.ip} port ${info.port}`;
      const rules = { policy, key, account, log, from, id: ids++, environmentFile, subsystems: state.subsystems };
      serveSession(applySessionRules(session, rules), context);
    });
    connection.on("tcpip", (acceptChannel, reject, request) => {
      const target = `target ${request.destIP} port ${request.destPort}`;
      // With sshd's reason and words (ssh prints them: `open failed: connect failed: Connection refused`).
      const refuse = (reason: number, description: string) => rejectChannel(connection, reject, reason, description);
      // serverloop.c server_request_direct_tcpip, then channels.c channel_connect_to_port's permission check.
      if (!policy.allowLocalForwarding || !key.permitPortForwarding || policy.disableForwarding) {
        log.info(`refused local port forward: originator ${request.srcIP} port ${request.srcPort}, ${target}`);
        return refuse(OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed");
      }
      if (!openPermitted(key, policy, request.destIP, request.destPort)) {
        log.info(
          `Received request from ${info.ip} port ${info.port} to connect to host ${request.destIP} port ${request.destPort}, but the request was denied.`,
        );
        return refuse(OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed");
      }
      const upstream = tcpConnect(request.destPort, request.destIP);
      upstream.once("error", (error) => {
        log.debug(`connect_to ${request.destIP} port ${request.destPort}: failed: ${error.message}`);
        refuse(OPEN_CONNECT_FAILED, strerror(error));
      });
      upstream.once("connect", () => {
        const channel = acceptChannel();
        log.debug(`direct-tcpip to ${request.destIP} port ${request.destPort} for ${context.peer}`);
        channel.pipe(upstream).pipe(channel);
        upstream.on("error", () => channel.close());
        channel.on("close", () => upstream.destroy());
      });
    });
    const closeRemoteForwards = serveRemoteForwarding(connection, { policy, key, uid: account.uid, log, remote: peer });
    connection.once("close", closeRemoteForwards);
  });
  connection.on("close", () => {
    closed = true;
    authenticatedOrGone(connectionSocket(connection));
    if (authenticated !== undefined)
      log.info(`Disconnected from ${formatPeer({ user: authenticated.user.name, ...peer })}`);
    else log.info(`Connection closed by ${info.ip} port ${info.port} [preauth]`);
  });
}

/** channels.c open_match over one `host:port` permission (port `*` any, host `*` any, hosts compared exactly). */
function openMatch(entry: string, host: string, port: number): boolean {
  const split = hpdelim2(entry);
  if (split === undefined || split.rest === undefined) return false;
  const allowedHost = split.host;
  if (split.rest !== "*" && Number(split.rest) !== port) return false;
  return allowedHost === "*" || allowedHost === host;
}

/**
 * channel_connect_to_port's check: the key's `permitopen=` entries (none: any destination) and PermitOpen's
 * (`any`: any, `none`: none) must both allow the destination.
 */
function openPermitted(key: KeyOptions, policy: AccessPolicy, host: string, port: number): boolean {
  const user = key.permitOpen.length === 0 || key.permitOpen.some((e) => openMatch(e, host, port));
  const first = policy.permitOpen[0];
  const admin =
    first === "any" ? true : first === "none" ? false : policy.permitOpen.some((e) => openMatch(e, host, port));
  return user && admin;
}
