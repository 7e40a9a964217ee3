/**
 * `-R` on the server: the `tcpip-forward` and `cancel-tcpip-forward` global requests, served as OpenSSH 9.2's
 * serverloop.c server_input_global_request and channels.c serve them.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { createServer, isIP, type Server } from "node:net";
import { matchPattern } from "@tsalive/config/unstable";
import type { Connection } from "ssh2";
import { hpdelim2, type KeyOptions } from "./auth_options.ts";
import type { Log } from "./log.ts";
import type { AccessPolicy, GatewayPorts } from "./policy.ts";
import { strerror } from "./strerror.ts";

/** What a connection's remote forwards are checked against. */
export interface RemoteForwardRules {
  readonly policy: AccessPolicy;
  readonly key: KeyOptions;
  /** The user's uid: only root may listen below port 1024 (serverloop.c bind_permitted). */
  readonly uid: number;
  readonly log: Log;
  /** The client's address and port, for sshd's refusal line. */
  readonly remote: { readonly addr: string; readonly port: number };
}

/** The listeners of one `tcpip-forward`, by what the client asked (the host string) and the port bound. */
interface Listener {
  readonly host: string;
  readonly port: number;
  readonly servers: readonly Server[];
}

interface BindAddress {
  readonly host: string;
  readonly ipv6Only: boolean;
}

const LOOPBACK: readonly BindAddress[] = [
  { host: "::1", ipv6Only: false },
  { host: "127.0.0.1", ipv6Only: false },
];
const WILDCARD: readonly BindAddress[] = [
  { host: "0.0.0.0", ipv6Only: false },
  { host: "::", ipv6Only: true },
];

/**
 * channels.c channel_fwd_bind_addr on the server: with GatewayPorts no only loopback (127.0.0.1 or ::1 when asked
 * for exactly); yes: every address, whatever the client asked; clientspecified: what the client asked (`""` or
 * `*` every address, `localhost` loopback). Names are looked up as getaddrinfo would.
 */
export async function remoteBindAddresses(host: string, gatewayPorts: GatewayPorts): Promise<readonly BindAddress[]> {
  if (gatewayPorts === "yes") return WILDCARD;
  if (host === "127.0.0.1" || host === "::1") return [{ host, ipv6Only: false }];
  if (gatewayPorts === "no" || host === "localhost") return LOOPBACK;
  if (host === "" || host === "*") return WILDCARD;
  if (isIP(host) !== 0) return [{ host, ipv6Only: false }];
  try {
    return (await lookup(host, { all: true })).map((a) => ({ host: a.address, ipv6Only: false }));
  } catch {
    return [];
  }
}

/** channels.c remote_open_match: port `*` or equal, and the listen host (lower case) matching the entry's pattern. */
function listenMatch(entry: string, host: string, port: number): boolean {
  const split = hpdelim2(entry);
  if (split === undefined || split.rest === undefined) return false;
  if (split.rest !== "*" && Number(split.rest) !== port) return false;
  return matchPattern(host.toLowerCase(), split.host);
}

/**
 * channels.c check_rfwd_permission: the key's `permitlisten=` entries (none: any) and PermitListen (`any`, `none`
 * or entries) must both allow the listen address.
 */
export function listenPermitted(key: KeyOptions, policy: AccessPolicy, host: string, port: number): boolean {
  const user = key.permitListen.length === 0 || key.permitListen.some((e) => listenMatch(e, host, port));
  const first = policy.permitListen[0];
  const admin =
    first === "any" ? true : first === "none" ? false : policy.permitListen.some((e) => listenMatch(e, host, port));
  return user && admin;
}

function listen(server: Server, port: number, address: BindAddress): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host: address.host, ipv6Only: address.ipv6Only }, () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/**
 * Serves `tcpip-forward` and `cancel-tcpip-forward` on an authenticated connection. A request is refused where
 * sshd refuses it: AllowTcpForwarding neither `yes`/`all` nor `remote`, DisableForwarding, the key's
 * `no-port-forwarding` (or `restrict`), port 0 without want-reply, a port below 1024 for a user other than root,
 * or a listen address that the key's `permitlisten=` or PermitListen does not allow (logged as sshd logs it).
 * Otherwise it listens where GatewayPorts says, replies with the port it got when 0 was asked for, and opens a
 * `forwarded-tcpip` channel to the client for every connection accepted (what ChannelTimeout's
 * `forwarded-tcpip` matches). Other global requests are refused. Returns the cleanup: every listener closed.
 */
export function serveRemoteForwarding(connection: Connection, rules: RemoteForwardRules): () => void {
  const { policy, key, log } = rules;
  const listeners: Listener[] = [];
  let closed = false;
  const open = async (host: string, port: number, wantReply: boolean): Promise<number | undefined> => {
    log.debug(`server_input_global_request: tcpip-forward listen ${host} port ${port}`);
    if (
      !policy.allowRemoteForwarding ||
      !key.permitPortForwarding ||
      policy.disableForwarding ||
      (!wantReply && port === 0) ||
      (port !== 0 && port < 1024 && rules.uid !== 0)
    ) {
      log.debug("Server has disabled port forwarding.");
      return undefined;
    }
    if (!listenPermitted(key, policy, host, port)) {
      log.info(
        `Received request from ${rules.remote.addr} port ${rules.remote.port} to remote forward to host ${host} port ${port}, but the request was denied.`,
      );
      return undefined;
    }
    const addresses = await remoteBindAddresses(host, policy.gatewayPorts);
    const servers: Server[] = [];
    let bound = port;
    for (const [index, address] of addresses.entries()) {
      const server = createServer((socket) => {
        socket.on("error", () => undefined);
        log.debug(`Connection to port ${bound} forwarding to ${host} port 0 requested.`);
        connection.forwardOut(host, bound, socket.remoteAddress ?? "", socket.remotePort ?? 0, (error, channel) => {
          if (error) {
            log.debug(`forwarded-tcpip to ${host} port ${bound}: ${error.message}`);
            socket.destroy();
            return;
          }
          socket.pipe(channel).pipe(socket);
          channel.on("close", () => socket.destroy());
          socket.on("close", () => channel.close());
        });
      });
      try {
        // Port 0: the port the first address got, for every other address too (channels.c).
        bound = await listen(server, bound, address);
        if (port === 0 && servers.length === 0) log.debug(`Allocated listen port ${bound}`);
        log.debug(`Local forwarding listening on ${address.host} port ${bound}.`);
        servers.push(server);
      } catch (error) {
        const message = `bind [${address.host}]:${bound}: ${strerror(error as Error)}`;
        if (index === addresses.length - 1) log.error(message);
        else log.debug(message); // sshd: verbose(), below its default INFO
      }
    }
    if (servers.length === 0) {
      log.error(`channel_setup_fwd_listener_tcpip: cannot listen to port: ${port}`);
      return undefined;
    }
    if (closed) {
      for (const server of servers) server.close();
      return undefined;
    }
    listeners.push({ host, port: bound, servers });
    return bound;
  };
  connection.on("request", (accept, reject, name, info) => {
    if (name === "tcpip-forward") {
      const { bindAddr, bindPort } = info as { bindAddr: string; bindPort: number };
      open(bindAddr, bindPort, accept !== undefined).then(
        (port) => (port === undefined ? reject?.() : accept?.(port)),
        (error: Error) => {
          log.error(error.message);
          reject?.();
        },
      );
      return;
    }
    if (name === "cancel-tcpip-forward") {
      const { bindAddr, bindPort } = info as { bindAddr: string; bindPort: number };
      log.debug(`server_input_global_request: cancel-tcpip-forward addr ${bindAddr} port ${bindPort}`);
      // channels.c channel_cancel_rport_listener_tcpip: the same host string and the port bound.
      const index = listeners.findIndex((l) => l.host === bindAddr && l.port === bindPort);
      if (index === -1) return reject?.();
      for (const server of listeners[index]?.servers ?? []) server.close();
      listeners.splice(index, 1);
      return accept?.();
    }
    // streamlocal forwarding is not served at all: stricter than any sshd setting.
    log.debug(`server_input_global_request: ${name} (not supported)`);
    reject?.();
  });
  return () => {
    closed = true;
    for (const listener of listeners.splice(0)) for (const server of listener.servers) server.close();
  };
}
