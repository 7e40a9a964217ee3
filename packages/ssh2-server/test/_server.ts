/**
 * The server every integration test runs: a real ssh2 Server on 127.0.0.1 with tsalive attached, publickey auth
 * for one throwaway client key, and exec requests run through the connection's supervisor. Real clients (OpenSSH
 * `ssh`, Dropbear `dbclient`, ssh2's Client) log in with `key`.
 */
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo, Socket } from "node:net";
import { generateKey, type KeyPair, makeTempDir, registerCleanup, type TempDir } from "@tsalive/test-support";
import ssh2, { type Connection, type Server, type ServerConfig } from "ssh2";
import { attach, type ServerLiveness, type ServerOptionsInput, SSH2_KEEPALIVE_OFF } from "../src/index.ts";

/** A running test server. */
export interface TestServer {
  readonly server: Server;
  readonly liveness: ServerLiveness;
  readonly port: number;
  /** The client key the server accepts (OpenSSH format on disk). */
  readonly key: KeyPair;
  readonly dir: TempDir;
  /** Connections seen, in order. */
  readonly connections: Connection[];
  /** Errors connections emitted (ssh2 errors, tsalive's timeouts). */
  readonly errors: Error[];
  /**
   * When each chunk of bytes from the client arrived on the connection's socket (`performance.now()`), logged by
   * the test's own listener: the independent record a test times silence from, rather than the monitor's clock.
   */
  inbound(connection: Connection): readonly number[];
  close(): Promise<void>;
}

/** Options of {@linkcode startTestServer}. */
export interface TestServerOptions {
  /** Extra ssh2 Server config; tsalive's advice (SSH2_KEEPALIVE_OFF) is applied unless overridden here. */
  readonly config?: Partial<ServerConfig>;
  /** Handle sessions (exec through the supervisor); default true. */
  readonly sessions?: boolean;
}

/**
 * Starts the server with tsalive attached using `options`.
 *
 * @example
 * ```ts no-run
 * const test = await startTestServer({ probe: { interval: 1000, countMax: 2 } });
 * ```
 */
export async function startTestServer(options: ServerOptionsInput, extra: TestServerOptions = {}): Promise<TestServer> {
  const dir = makeTempDir("tsalive-ssh2-server-");
  const hostKey = generateKey(dir.join("host_key"), "tsalive-test-host");
  const key = generateKey(dir.join("client_key"), "tsalive-test-client");
  const allowed = ssh2.utils.parseKey(key.publicKey);
  if (allowed instanceof Error) throw allowed;
  const allowedKey = Array.isArray(allowed) ? allowed[0] : allowed;
  if (allowedKey === undefined) throw new Error("cannot parse the client key");
  const connections: Connection[] = [];
  const errors: Error[] = [];
  const arrivals = new WeakMap<Connection, number[]>();
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey], ...SSH2_KEEPALIVE_OFF, ...extra.config });
  const liveness = attach(server, options);
  server.on("connection", (connection) => {
    connections.push(connection);
    connection.on("error", (error) => errors.push(error));
    const log: number[] = [];
    arrivals.set(connection, log);
    (connection as unknown as { _sock: Socket })._sock.on("data", () => {
      if (log.length < 100_000) log.push(performance.now());
    });
    connection.on("authentication", (ctx) => {
      if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
      const publicSSH = allowedKey.getPublicSSH();
      if (ctx.key.algo !== allowedKey.type || !sameBytes(ctx.key.data, publicSSH)) return ctx.reject(["publickey"]);
      if (ctx.signature === undefined) return ctx.accept();
      if (ctx.blob !== undefined && allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
        return ctx.accept();
      }
      ctx.reject(["publickey"]);
    });
    if (extra.sessions === false) return;
    connection.on("session", (acceptSession) => {
      const session = acceptSession();
      session.on("pty", (accept) => accept?.());
      session.on("env", (accept) => accept?.());
      session.on("exec", (accept, _reject, info) => {
        const handle = liveness.of(connection);
        const channel = accept();
        if (handle === undefined) {
          channel.exit(1);
          channel.end();
          return;
        }
        handle.supervisor.exec(channel, info.command);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      unregister();
      for (const connection of connections) (connection as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      liveness.detach();
      dir.remove();
    })();
    return closed;
  };
  const unregister = registerCleanup(`ssh2 test server :${port}`, close);
  const inbound = (connection: Connection): readonly number[] => [...(arrivals.get(connection) ?? [])];
  return { server, liveness, port, key, dir, connections, errors, inbound, close };
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
