import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/** A relay in front of the fault proxy that can hold the proxy's close, as a dead link would. */
export interface CloseHoldingRelay {
  readonly port: number;
  /** From now on a close from the proxy's side is not passed on (the link is dark: no FIN, no RST arrives). */
  holdCloses(): void;
  close(): Promise<void>;
}

/**
 * The fault proxy blackholes bytes but passes a full close through; a frozen link passes nothing. This relay sits
 * between the client and the proxy and, once `holdCloses()` ran, keeps the client's socket open when the proxy's
 * side closes, so the client learns of the death only through its own ServerAlive probes.
 * (Workaround until test-support's blackhole holds closes too: /work/notes/examples-requests.md.)
 */
export async function startCloseHoldingRelay(targetPort: number): Promise<CloseHoldingRelay> {
  let holding = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (!holding) client.write(chunk);
    });
    upstream.on("close", () => {
      if (!holding) client.destroy();
    });
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    holdCloses: () => {
      holding = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
