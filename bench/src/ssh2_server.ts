/**
 * The ssh2 servers the bench measures, in three kinds that differ only in their liveness: `tsalive`
 * (@tsalive/ssh2-server attached, ssh2's keepalive pushed out of reach), `builtin` (ssh2's own server keepalive at
 * the same interval and count) and `plain` (ssh2 as constructed by default, nothing attached). Logins: the bench's
 * client key (real `ssh`) or the password `bench` (ssh2 clients at scale: no signature to compute per login).
 * Exec requests run `/bin/sh -c COMMAND`: through the connection's supervisor with tsalive, as most ssh2 servers
 * do otherwise (spawned, killed when the channel closes). `bulk N` writes N zero bytes without a process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { attach, type ServerLiveness, SSH2_KEEPALIVE_OFF } from "@tsalive/ssh2-server";
import { registerCleanup, signal } from "@tsalive/test-support";
import ssh2, { type Connection, type ServerChannel } from "ssh2";
import { epochNow } from "./log.ts";

/** Which liveness a server runs. */
export type ServerKind = "tsalive" | "builtin" | "plain";

/** Options of {@linkcode startBenchServer}. */
export interface BenchServerOptions {
  readonly kind: ServerKind;
  readonly hostKey: string;
  /** ClientAliveInterval (ms) and ClientAliveCountMax, for `tsalive` and `builtin`. */
  readonly probe?: { readonly interval: number; readonly countMax: number };
  /** The OpenSSH public key line of the client key accepted; password `bench` is always accepted. */
  readonly authorizedKey?: string;
  /** Milliseconds between SIGHUP and SIGKILL of a connection's processes (tsalive). */
  readonly killGrace?: number;
}

/** What the bench records about one server-side connection (times are {@linkcode epochNow}). */
export interface ServerConnectionRecord {
  readonly connection: Connection;
  readonly acceptedAt: number;
  readonly remotePort: number;
  authenticatedAt: number | undefined;
  /** The command of the first exec request, which the bench uses to tell runs apart. */
  command: string | undefined;
  /** When the server declared the client dead (tsalive's `timeout`, ssh2's `Keepalive timeout`). */
  detectedAt: number | undefined;
  closedAt: number | undefined;
  /** Processes started for this connection. */
  readonly pids: number[];
}

/** A running bench server. */
export interface BenchServer {
  readonly kind: ServerKind;
  readonly port: number;
  readonly server: ssh2.Server;
  readonly liveness: ServerLiveness | undefined;
  readonly records: Set<ServerConnectionRecord>;
  /** Connections authenticated so far. */
  authenticated(): number;
  close(): Promise<void>;
}

const BULK_CHUNK = Buffer.alloc(64 * 1024);

/**
 * Starts a bench server on 127.0.0.1 with an ephemeral port; registered with test-support's `stopAll()`.
 *
 * @example
 * ```ts no-run
 * const server = await startBenchServer({ kind: "tsalive", hostKey, probe: { interval: 1000, countMax: 3 } });
 * ```
 */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const { kind, probe } = options;
  const allowed = options.authorizedKey === undefined ? undefined : parseOne(options.authorizedKey);
  const config: ssh2.ServerConfig =
    kind === "tsalive"
      ? { hostKeys: [options.hostKey], ...SSH2_KEEPALIVE_OFF }
      : kind === "builtin"
        ? ({
            hostKeys: [options.hostKey],
            keepaliveInterval: probe?.interval ?? 15_000,
            keepaliveCountMax: probe?.countMax ?? 3,
          } as ssh2.ServerConfig)
        : { hostKeys: [options.hostKey] };
  const server = new ssh2.Server(config);
  const liveness =
    kind === "tsalive"
      ? attach(server, {
          ...(probe !== undefined && { probe }),
          killGrace: options.killGrace ?? 500,
        })
      : undefined;
  const records = new Set<ServerConnectionRecord>();
  let authenticated = 0;
  const orphans = new Set<ChildProcess>();

  server.on("connection", (connection) => {
    const socket = (connection as unknown as { _sock: { remotePort?: number } })._sock;
    const record: ServerConnectionRecord = {
      connection,
      acceptedAt: epochNow(),
      remotePort: socket.remotePort ?? 0,
      authenticatedAt: undefined,
      command: undefined,
      detectedAt: undefined,
      closedAt: undefined,
      pids: [],
    };
    records.add(record);
    // Both kinds report a timeout as an 'error' of level 'client-timeout' on the connection (tsalive right after
    // its `timeout` event, in the same call): one listener for both, so neither side's heap pays for the bench.
    connection.on("error", (error: Error & { level?: string }) => {
      if (error.level === "client-timeout") record.detectedAt ??= epochNow();
    });
    connection.on("close", () => {
      record.closedAt = epochNow();
    });
    connection.on("authentication", (ctx) => {
      if (ctx.method === "password" && ctx.password === "bench") return ctx.accept();
      if (ctx.method === "publickey" && allowed !== undefined && ctx.key.algo === allowed.type) {
        if (!sameBytes(ctx.key.data, allowed.getPublicSSH())) return ctx.reject(["publickey", "password"]);
        if (ctx.signature === undefined) return ctx.accept();
        if (ctx.blob !== undefined && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
          return ctx.accept();
        }
      }
      ctx.reject(["publickey", "password"]);
    });
    connection.on("ready", () => {
      authenticated++;
      record.authenticatedAt = epochNow();
    });
    connection.on("session", (acceptSession) => {
      const session = acceptSession();
      session.on("pty", (accept) => accept?.());
      session.on("env", (accept) => accept?.());
      session.on("exec", (accept, _reject, info) => {
        record.command ??= info.command;
        const channel = accept();
        const bulk = /^bulk (\d+)$/.exec(info.command);
        if (bulk !== null) {
          writeBulk(channel, Number(bulk[1]));
          return;
        }
        const handle = liveness?.of(connection);
        if (handle !== undefined) {
          const child = handle.supervisor.exec(channel, info.command);
          if (child.pid !== undefined) record.pids.push(child.pid);
          return;
        }
        const child = naiveExec(channel, info.command);
        orphans.add(child);
        child.on("exit", () => orphans.delete(child));
        if (child.pid !== undefined) record.pids.push(child.pid);
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
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unregister();
      for (const record of records) (record.connection as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
      for (const child of orphans) if (child.pid !== undefined) signal(-child.pid, "SIGKILL");
      await new Promise<void>((resolve) => server.close(() => resolve()));
      liveness?.detach();
    })();
    return closing;
  };
  const unregister = registerCleanup(`bench ${kind} server :${port}`, close);
  return { kind, port, server, liveness, records, authenticated: () => authenticated, close };
}

/** How an ssh2 server without tsalive typically runs a command: its own process group, killed when the channel closes. */
function naiveExec(channel: ServerChannel, command: string): ChildProcess {
  const child = spawn("/bin/sh", ["-c", command], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
  child.stdout?.pipe(channel, { end: false });
  child.stderr?.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin as NodeJS.WritableStream);
  child.stdin?.on("error", () => {});
  child.on("exit", (code) => {
    try {
      channel.exit(code ?? 1);
      channel.end();
    } catch {
      // the channel is gone already
    }
  });
  channel.on("close", () => {
    if (child.exitCode === null && child.pid !== undefined) signal(-child.pid, "SIGHUP");
  });
  return child;
}

function writeBulk(channel: ServerChannel, total: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const size = Math.min(BULK_CHUNK.length, total - sent);
      sent += size;
      if (!channel.write(size === BULK_CHUNK.length ? BULK_CHUNK : BULK_CHUNK.subarray(0, size))) {
        channel.once("drain", pump);
        return;
      }
    }
    channel.exit(0);
    channel.end();
  };
  pump();
}

function parseOne(publicKey: string): ssh2.ParsedKey {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error) throw new Error("cannot parse the authorized key");
  return key;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
