import { createServer, type Server, type Socket } from "node:net";
import type ssh2 from "ssh2";
import { type BindAddress, describeBindAddress, localBindAddresses } from "./bind_addresses.ts";
import { openFailureDescription, openFailureMessage, strerror } from "./channel_failure.ts";
import type { LocalForward } from "./forward_spec.ts";
import type { Log } from "./log.ts";
import { readSocksRequest, replyForOpenFailure, SOCKS_REPLY } from "./socks.ts";
import type { DynamicForward } from "./tunnel_spec.ts";

/** Local listeners that outlive one connection, so `--reconnect` re-establishes forwards on the same ports. */
export interface LocalForwarding {
  /** Use this connection for new forwarded connections (`undefined` while reconnecting: refuse them). */
  use(client: ssh2.Client | undefined): void;
  close(): void;
}

/** What `-L` and `-D` listen with: GatewayPorts (`-g`) and ExitOnForwardFailure. */
export interface LocalForwardingOptions {
  readonly gatewayPorts: boolean;
  readonly exitOnForwardFailure: boolean;
}

/** ExitOnForwardFailure and a local forward that could not listen: ssh's fatal() message, exit 255. */
export class ForwardFailure extends Error {
  override name = "ForwardFailure";
}

type Forward =
  | { readonly kind: "local"; readonly spec: LocalForward }
  | { readonly kind: "dynamic"; readonly spec: DynamicForward };

/** ssh's channel numbers only name channels in messages; counting from the listeners up is close enough. */
let channels = 0;

/** Where an accepted connection goes: `-L`'s fixed target, or the destination of `-D`'s SOCKS request. */
function carry(forward: Forward, socket: Socket, client: ssh2.Client, log: Log): void {
  const id = channels++;
  const open = (host: string, port: number, done: (error: Error | undefined, stream?: ssh2.ClientChannel) => void) =>
    client.forwardOut(socket.remoteAddress ?? "127.0.0.1", socket.remotePort ?? 0, host, port, (error, stream) =>
      done(error, stream),
    );
  const join = (stream: ssh2.ClientChannel, rest: Buffer) => {
    if (rest.length > 0) stream.write(rest);
    socket.pipe(stream).pipe(socket);
    stream.on("close", () => socket.destroy());
    socket.on("close", () => stream.close());
  };
  if (forward.kind === "local") {
    const { spec } = forward;
    log.debug(`Connection to port ${spec.bindPort} forwarding to ${spec.host} port ${spec.hostPort} requested.`);
    open(spec.host, spec.hostPort, (error, stream) => {
      if (error || stream === undefined) {
        log.info(openFailureMessage(id, error ?? new Error("")));
        socket.destroy();
        return;
      }
      join(stream, Buffer.alloc(0));
    });
    return;
  }
  log.debug(`Connection to port ${forward.spec.bindPort} forwarding to socks port 0 requested.`);
  readSocksRequest(socket).then(
    (request) => {
      log.debug(
        `channel ${id}: dynamic request: socks${request.version} host ${request.host} port ${request.port} command 1`,
        2,
      );
      open(request.host, request.port, (error, stream) => {
        if (error || stream === undefined) {
          const failure = error ?? new Error("");
          log.info(openFailureMessage(id, failure));
          request.reply(replyForOpenFailure((failure as { reason?: number }).reason, openFailureDescription(failure)));
          return;
        }
        request.reply(SOCKS_REPLY.succeeded);
        join(stream, request.rest);
      });
    },
    (error: Error) => log.debug(`channel ${id}: dynamic request: ${error.message}`, 2),
  );
}

function listen(server: Server, port: number, address: BindAddress): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host: address.host, ipv6Only: address.ipv6Only }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Listens for each `-L` and `-D` forward where ssh would (channels.c channel_fwd_bind_addr: loopback, or every
 * address with GatewayPorts / `-g`, or the bind address given) and carries every accepted connection through the
 * current SSH connection (`direct-tcpip`), with ssh's messages. For `-D` the destination comes from the client's
 * SOCKS 4, 4a or 5 CONNECT request. A forward that cannot listen on any of its addresses is reported and skipped,
 * as ssh does; with ExitOnForwardFailure any such forward is fatal.
 *
 * @throws {ForwardFailure} `Could not request local forwarding.` with ExitOnForwardFailure.
 */
export async function startLocalForwarding(
  locals: readonly LocalForward[],
  dynamics: readonly DynamicForward[],
  options: LocalForwardingOptions,
  log: Log,
): Promise<LocalForwarding> {
  let current: ssh2.Client | undefined;
  const servers: Server[] = [];
  const forwards: Forward[] = [
    ...locals.map((spec): Forward => ({ kind: "local", spec })),
    ...dynamics.map((spec): Forward => ({ kind: "dynamic", spec })),
  ];
  let succeeded = 0;
  for (const forward of forwards) {
    const { spec } = forward;
    const target = forward.kind === "local" ? `${forward.spec.host}:${forward.spec.hostPort}` : "socks:0";
    log.debug(
      `Local connections to ${describeBindAddress(spec.bindAddress, options.gatewayPorts)}:${spec.bindPort} forwarded to remote address ${target}`,
    );
    const addresses = localBindAddresses(spec.bindAddress, options.gatewayPorts);
    let bound = 0;
    for (const [index, address] of addresses.entries()) {
      const server = createServer((socket) => {
        socket.on("error", () => {});
        if (current === undefined) socket.destroy();
        else carry(forward, socket, current, log);
      });
      try {
        await listen(server, spec.bindPort, address);
        log.debug(`Local forwarding listening on ${address.host} port ${spec.bindPort}.`);
        servers.push(server);
        bound++;
      } catch (error) {
        // channels.c: the last address's failure is an error, the others' only verbose.
        const message = `bind [${address.host}]:${spec.bindPort}: ${strerror(error as Error)}`;
        if (index === addresses.length - 1) log.error(message);
        else log.verbose(message);
      }
    }
    if (bound > 0) succeeded++;
    else log.error(`channel_setup_fwd_listener_tcpip: cannot listen to port: ${spec.bindPort}`);
  }
  const close = () => {
    for (const server of servers) server.close();
  };
  if (forwards.length > 0 && succeeded !== forwards.length && options.exitOnForwardFailure) {
    close();
    throw new ForwardFailure("Could not request local forwarding.");
  }
  if (forwards.length > 0 && succeeded === 0) log.error("Could not request local forwarding.");
  return {
    use: (client) => {
      current = client;
    },
    close,
  };
}
