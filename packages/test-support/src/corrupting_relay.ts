import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import type { ProxyDirection } from "./proxy.ts";
import { registerCleanup } from "./registry.ts";

/** A running {@linkcode startCorruptingRelay} relay. */
export interface CorruptingRelay {
  readonly host: "127.0.0.1";
  /** Connect here instead of to the target. */
  readonly port: number;
  /** Flips the last byte of the next chunk sent in the relay's direction: one malformed (undecryptable) packet. */
  arm(): void;
  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 that passes bytes both ways and, once armed, corrupts one chunk in `direction` (`up`:
 * client → server, `down`: server → client): the malformed packet an SSH peer must turn into a clean error.
 * Registered with `stopAll()`.
 *
 * @example
 * ```ts no-run
 * // no-run: needs a server to relay to
 * import { startCorruptingRelay } from "@tsalive/test-support";
 * declare const sshdPort: number;
 * const relay = await startCorruptingRelay({ target: { port: sshdPort }, direction: "down" });
 * relay.arm(); // the server's next chunk arrives with its last byte flipped
 * ```
 */
export async function startCorruptingRelay(options: {
  readonly target: { readonly port: number };
  readonly direction: ProxyDirection;
}): Promise<CorruptingRelay> {
  let armed = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(options.target.port, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    const [from, to, other, otherTo] =
      options.direction === "down" ? [upstream, client, client, upstream] : [client, upstream, upstream, client];
    other.pipe(otherTo);
    from.on("data", (chunk: Buffer) => {
      if (armed && chunk.length > 0) {
        armed = false;
        chunk[chunk.length - 1] = (chunk[chunk.length - 1] ?? 0) ^ 0xff;
      }
      to.write(chunk);
    });
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unregister();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return closing;
  };
  const unregister = registerCleanup(`corrupting relay :${port}`, close);
  return {
    host: "127.0.0.1",
    port,
    arm: () => {
      armed = true;
    },
    close,
  };
}
