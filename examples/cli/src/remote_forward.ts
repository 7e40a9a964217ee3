import { connect as tcpConnect } from "node:net";
import type ssh2 from "ssh2";
import { ForwardFailure } from "./forward.ts";
import type { Log } from "./log.ts";
import type { RemoteForward } from "./tunnel_spec.ts";

/**
 * The listen address ssh sends in a `tcpip-forward` request (channels.c channel_rfwd_bind_host): `localhost`
 * when none was given, the empty string (every address, if the server's GatewayPorts allows) for `*` or empty.
 */
export function remoteBindHost(bindAddress: string | undefined): string {
  if (bindAddress === undefined) return "localhost";
  return bindAddress === "" || bindAddress === "*" ? "" : bindAddress;
}

/** ssh.c ssh_confirm_remote_forward's `listen …` text: the port alone when no listen address was given. */
function listenText(forward: RemoteForward): string {
  return forward.bindAddress === undefined ? `${forward.bindPort}` : `${forward.bindAddress}:${forward.bindPort}`;
}

function request(client: ssh2.Client, host: string, port: number): Promise<number | Error> {
  return new Promise((resolve) => {
    client.forwardIn(host, port, (error, allocated) => resolve(error ?? allocated));
  });
}

/**
 * Asks the server for every `-R` / RemoteForward (`tcpip-forward`), as ssh's ssh_init_forwarding does, and carries
 * each `forwarded-tcpip` channel the server opens to the forward's local target. Resolves once every request
 * has its reply: a refusal is ssh's `Warning: remote port forwarding failed for listen port N`, a port the
 * server picked (`-R 0:…`) is ssh's `Allocated port N for remote forward to HOST:PORT`.
 *
 * @throws {ForwardFailure} `Error: remote port forwarding failed for listen port N` with ExitOnForwardFailure.
 */
export async function startRemoteForwarding(
  client: ssh2.Client,
  forwards: readonly RemoteForward[],
  options: { readonly exitOnForwardFailure: boolean },
  log: Log,
): Promise<void> {
  if (forwards.length === 0) return;
  /** `host:port` as the server names it in forwarded-tcpip (the allocated port for port 0) → the forward. */
  const listening = new Map<string, RemoteForward>();
  client.on("tcp connection", (info, accept, reject) => {
    log.debug(
      `client_request_forwarded_tcpip: listen ${info.destIP} port ${info.destPort}, originator ${info.srcIP} port ${info.srcPort}`,
    );
    const forward = listening.get(`${info.destIP}:${info.destPort}`);
    if (forward === undefined) return reject();
    const local = tcpConnect(forward.hostPort, forward.host);
    local.once("error", () => {
      log.error(`connect_to ${forward.host} port ${forward.hostPort}: failed.`);
      reject();
    });
    local.once("connect", () => {
      const channel = accept();
      local.pipe(channel).pipe(local);
      local.on("error", () => channel.close());
      local.on("close", () => channel.close());
      channel.on("close", () => local.destroy());
    });
  });
  const replies = forwards.map((forward) => {
    log.debug(
      `Remote connections from ${forward.bindAddress ?? "LOCALHOST"}:${forward.bindPort} forwarded to local address ${forward.host}:${forward.hostPort}`,
    );
    const host = remoteBindHost(forward.bindAddress);
    return request(client, host, forward.bindPort).then((reply) => ({ forward, host, reply }));
  });
  let fatal: ForwardFailure | undefined;
  for (const { forward, host, reply } of await Promise.all(replies)) {
    const connect = `${forward.host}:${forward.hostPort}`;
    if (reply instanceof Error) {
      log.debug(`remote forward failure for: listen ${listenText(forward)}, connect ${connect}`);
      const message = `remote port forwarding failed for listen port ${forward.bindPort}`;
      if (options.exitOnForwardFailure) fatal ??= new ForwardFailure(`Error: ${message}`);
      else log.info(`Warning: ${message}`);
      continue;
    }
    log.debug(`remote forward success for: listen ${listenText(forward)}, connect ${connect}`);
    if (forward.bindPort === 0) log.info(`Allocated port ${reply} for remote forward to ${connect}`);
    listening.set(`${host}:${reply}`, forward);
  }
  if (fatal !== undefined) throw fatal;
}
