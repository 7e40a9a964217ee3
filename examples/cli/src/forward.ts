import { createServer, type Server } from "node:net";
import type ssh2 from "ssh2";
import type { LocalForward } from "./forward_spec.ts";
import type { Log } from "./log.ts";

/** Local listeners that outlive one connection, so `--reconnect` re-establishes forwards on the same ports. */
export interface LocalForwarding {
  /** Use this connection for new forwarded connections (`undefined` while reconnecting: refuse them). */
  use(client: ssh2.Client | undefined): void;
  close(): void;
}

/**
 * Listens on each `-L` bind address and port and forwards every accepted connection through the current SSH
 * connection (`direct-tcpip`), with ssh's messages. A port that cannot be bound is reported and skipped, as ssh does
 * without ExitOnForwardFailure.
 */
export async function startLocalForwarding(forwards: readonly LocalForward[], log: Log): Promise<LocalForwarding> {
  let current: ssh2.Client | undefined;
  const servers: Server[] = [];
  let channel = 2;
  for (const forward of forwards) {
    const host = forward.bindAddress === "localhost" ? "127.0.0.1" : forward.bindAddress;
    const server = createServer((socket) => {
      const client = current;
      socket.on("error", () => {});
      if (client === undefined) {
        socket.destroy();
        return;
      }
      const id = channel++;
      log.debug(
        `Connection to port ${forward.bindPort} forwarding to ${forward.host} port ${forward.hostPort} requested.`,
      );
      client.forwardOut(
        socket.remoteAddress ?? "127.0.0.1",
        socket.remotePort ?? 0,
        forward.host,
        forward.hostPort,
        (error, stream) => {
          if (error) {
            log.error(`channel ${id}: open failed: connect failed: ${error.message}`);
            socket.destroy();
            return;
          }
          socket.pipe(stream).pipe(socket);
          stream.on("close", () => socket.destroy());
          socket.on("close", () => stream.close());
        },
      );
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(forward.bindPort, host, () => resolve());
      });
      log.debug(
        `Local connections to ${forward.bindAddress}:${forward.bindPort} forwarded to remote address ${forward.host}:${forward.hostPort}`,
      );
      servers.push(server);
    } catch (error) {
      log.error(`bind [${host}]:${forward.bindPort}: ${(error as Error).message}`);
      log.error(`Could not request local forwarding.`);
    }
  }
  return {
    use: (client) => {
      current = client;
    },
    close: () => {
      for (const server of servers) server.close();
    },
  };
}
