import { clientMonitorOptions } from "@tsalive/config";
import { attach, type ConnectionDump, dumpConnection } from "@tsalive/ssh2-client";
import ssh2 from "ssh2";
import { verifyHostKey } from "./host_key.ts";
import { authMethods } from "./identities.ts";
import type { Log } from "./log.ts";
import { expandProxyCommand, type ProxyCommand, startProxyCommand } from "./proxy_command.ts";
import type { ClientSettings } from "./settings.ts";

/** A failed connection attempt: what ssh prints, and whether trying again could help (`--reconnect`). */
export class ConnectFailure extends Error {
  override name = "ConnectFailure";
  constructor(
    message: string,
    readonly retryable: boolean,
    /**
     * `cause`: ssh2's error, which `@tsalive/ssh2-client`'s `classifyCause` reads (auth, host key, refused …);
     * `detail`: a line ssh logs at INFO after the error, e.g. `Connection closed by UNKNOWN port 65535`.
     */
    options?: { readonly cause?: unknown; readonly detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options?.detail;
  }
  readonly detail: string | undefined;
}

const KEX_CLOSED = "kex_exchange_identification: Connection closed by remote host";

/** An authenticated connection with tsalive's liveness attached. */
export interface Connection {
  readonly client: ssh2.Client;
  /**
   * The liveness of every connection now, for the SIGUSR1 dump: one entry, or through a chain one per hop, nearest
   * first and the target last, each with `hop`, the Host as typed.
   */
  dump(): readonly (ConnectionDump & { readonly hop?: string })[];
  /** Resolves once the connection is closed, with the reason when it died (ssh's message) or `undefined`. */
  readonly closed: Promise<string | undefined>;
  /** The ProxyCommand carrying the connection, if one does (stopped when the connection closes). */
  readonly proxy?: ProxyCommand | undefined;
}

/**
 * Connects and authenticates as ssh would for these settings: TCP (with ConnectTimeout and TCPKeepAlive), host
 * key verification, public-key authentication; then ServerAliveInterval/CountMax and Heartbeat run through
 * `@tsalive/ssh2-client`. `-v` logs every probe, reply (with RTT) and heartbeat. With a ProxyCommand the command's
 * stdio is the transport instead of TCP (no TCPKeepAlive then: there is no socket of ours to set it on).
 *
 * @throws {ConnectFailure} with OpenSSH's message.
 */
export function connect(settings: ClientSettings, log: Log): Promise<Connection> {
  const { values } = settings.resolved;
  let proxy: ProxyCommand | undefined;
  if (settings.tunnels.proxyCommand !== undefined) {
    const command = expandProxyCommand(settings.tunnels.proxyCommand, {
      host: settings.hostName,
      original: values.host,
      port: settings.port,
      user: settings.user,
    });
    if (command.error !== undefined) return Promise.reject(new ConnectFailure(command.error, false));
    proxy = startProxyCommand(command.value, log);
  }
  // ssh names the peer of a ProxyCommand connection UNKNOWN port 65535 (it has no socket address).
  const peer = proxy === undefined ? `${settings.hostName} port ${settings.port}` : "UNKNOWN port 65535";
  const client = new ssh2.Client();
  const liveness = attach(client, {
    // ServerAliveInterval/CountMax (C = 0: dead at the first expiry, as ssh) and Heartbeat, in core's terms.
    ...clientMonitorOptions(values),
    ...(values.connectTimeout !== undefined && { connectTimeout: values.connectTimeout * 1000 }),
    tcpKeepAlive: values.tcpKeepAlive && proxy === undefined,
    host: settings.hostName,
  });
  liveness.on("probe", ({ unanswered }) =>
    log.debug(`ServerAlive probe ${unanswered} of ${values.serverAliveCountMax} sent (keepalive@openssh.com)`),
  );
  liveness.on("reply", ({ rtt }) =>
    log.debug(`ServerAlive reply${rtt === undefined ? "" : `, rtt ${rtt.toFixed(1)} ms`}`),
  );
  liveness.on("heartbeat", () => log.debug("Heartbeat: SSH_MSG_IGNORE sent"));
  let hostKeyFailure: string | undefined;
  let ready = false;
  let deathReason: string | undefined;
  // The adapter reports a death as `timeout` right after destroying the socket, before `'close'`; the client's
  // `'error'` may come after `'close'`, so take the reason from the handle and resolve a turn later.
  liveness.on("timeout", (error) => {
    deathReason ??= error.message;
  });
  const closed = new Promise<string | undefined>((resolve) => {
    client.once("close", () => {
      proxy?.stop();
      setImmediate(() => resolve(deathReason));
    });
  });
  return new Promise<Connection>((resolve, reject) => {
    client.on("error", (error: Error & { level?: string; code?: string }) => {
      if (ready) {
        deathReason ??= error.message;
        return;
      }
      if (hostKeyFailure !== undefined) return reject(new ConnectFailure(hostKeyFailure, false, { cause: error }));
      reject(describeFailure(error, settings, peer));
    });
    client.once("close", () => {
      if (ready) return;
      // A ProxyCommand that ends before the server's identification line: ssh's two lines.
      if (proxy === undefined) reject(new ConnectFailure(`Connection closed by ${peer}`, true));
      else reject(new ConnectFailure(KEX_CLOSED, true, { detail: `Connection closed by ${peer}` }));
    });
    client.once("ready", () => {
      ready = true;
      // As ssh does for interactive sessions (TCP_NODELAY): small packets such as a probe and its reply are not
      // held back by Nagle's algorithm, so the RTT -v reports is the link's, not a delayed-ACK timer's.
      client.setNoDelay(true);
      log.debug(`Authenticated to ${settings.hostName} ([${settings.hostName}]:${settings.port}) using "publickey".`);
      const target = { user: settings.user, host: settings.hostName, port: settings.port };
      resolve({ client, closed, proxy, dump: () => [dumpConnection(target, liveness.stats(), { client })] });
    });
    if (proxy === undefined)
      log.debug(`Connecting to ${settings.hostName} [${settings.hostName}] port ${settings.port}.`);
    const config = connectConfig(settings, log, (message) => {
      hostKeyFailure = message;
    });
    if (proxy !== undefined) {
      // The ProxyCommand's stdio instead of a TCP connection of ssh2's own.
      delete config.host;
      delete config.port;
      config.sock = proxy.stream;
    }
    client.connect(config);
  });
}

/**
 * ssh2's connect config for these settings: where to connect, the user, public-key authentication, no handshake
 * deadline of ssh2's own, and host key verification (`hostKeyFailed` gets ssh's message before ssh2 fails).
 */
export function connectConfig(
  settings: ClientSettings,
  log: Log,
  hostKeyFailed: (message: string) => void,
): ssh2.ConnectConfig {
  return {
    host: settings.hostName,
    port: settings.port,
    username: settings.user,
    authHandler: authMethods(settings.user, settings.identityFiles, settings.identitiesOnly, log),
    // ssh has no handshake deadline of its own; ConnectTimeout (through the adapter) is the bound.
    readyTimeout: 2 ** 31 - 1,
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      void verifyHostKey(settings.hostName, settings.port, key, settings.hostKey, log).then(
        (verdict) => {
          if (!verdict.ok) hostKeyFailed(verdict.message);
          verify(verdict.ok);
        },
        (error: unknown) => {
          hostKeyFailed(`Host key verification failed: ${String(error)}`);
          verify(false);
        },
      );
    },
  } as ssh2.ConnectConfig;
}

/**
 * ssh's message for a failed connection attempt, and whether trying again could help. `peer` is how ssh names the
 * server when the transport closes early (`UNKNOWN port 65535` through a ProxyCommand).
 */
export function describeFailure(
  error: Error & { level?: string; code?: string },
  s: ClientSettings,
  peer = `${s.hostName} port ${s.port}`,
): ConnectFailure {
  const where = `ssh: connect to host ${s.hostName} port ${s.port}`;
  switch (error.code) {
    case "ECONNREFUSED":
      return new ConnectFailure(`${where}: Connection refused`, true, { cause: error });
    case "ETIMEDOUT":
      return new ConnectFailure(`${where}: Connection timed out`, true, { cause: error });
    case "EHOSTUNREACH":
      return new ConnectFailure(`${where}: No route to host`, true, { cause: error });
    case "ENETUNREACH":
      return new ConnectFailure(`${where}: Network is unreachable`, true, { cause: error });
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ConnectFailure(`ssh: Could not resolve hostname ${s.hostName}: Name or service not known`, true, {
        cause: error,
      });
    case "ECONNRESET":
      return new ConnectFailure(`Connection reset by ${s.hostName} port ${s.port}`, true, { cause: error });
  }
  // The transport closed before the server's identification line (a ProxyCommand that exited, a server that hung up).
  if (error.message === "Connection lost before handshake") {
    return new ConnectFailure(KEX_CLOSED, true, { cause: error, detail: `Connection closed by ${peer}` });
  }
  if (error.level === "client-authentication") {
    return new ConnectFailure(`${s.user}@${s.hostName}: Permission denied (publickey).`, false, { cause: error });
  }
  if (error.level === "client-timeout") return new ConnectFailure(error.message, true, { cause: error });
  return new ConnectFailure(error.message, true, { cause: error });
}
