import type { Socket } from "node:net";
import { Emitter, formatValue, type Listener } from "@tsalive/core";
import type { Connection, Server } from "ssh2";
import { logRefusal, OptionsRefused, type Refusal } from "./_refuse.ts";
import { checkServer, socketOf } from "./_ssh2_internals.ts";
import { socketInfo } from "./_state.ts";
import { ConnectionLiveness, type ConnectionLivenessEvents, type ConnectionOwner } from "./connection.ts";
import { resolveServerOptions, type ServerOptionsInput } from "./options.ts";

/** Payloads of the events a {@linkcode ServerLiveness} emits: every connection's events, with the connection. */
export type ServerLivenessEvents = {
  /** A socket was accepted and is watched from now on (before the client sent anything). */
  accept: ConnectionLiveness;
  /**
   * The per-connection options function threw or returned invalid options, at the accept or after
   * authentication: that connection's socket was destroyed, the server serves on. With no listener, the reason is
   * logged with `console.warn`.
   */
  refuse: Refusal;
} & {
  [K in keyof ConnectionLivenessEvents]: {
    readonly connection: ConnectionLiveness;
    readonly payload: ConnectionLivenessEvents[K];
  };
};

/** A snapshot from {@linkcode ServerLiveness.stats}. */
export interface ServerLivenessStats {
  /** `false` once `detach()` ran. */
  readonly attached: boolean;
  /** Sockets accepted while attached. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Connections ended by ClientAlive, Watchdog or UnusedConnectionTimeout. */
  readonly timeouts: number;
  /** Connections refused because the per-connection options function threw or returned invalid options. */
  readonly refused: number;
}

const attachedServers = new WeakMap<object, ServerLiveness>();

/**
 * The handle {@linkcode attach} returns for a Server: events of every connection, `of(connection)` for one
 * connection's handle and supervisor, counters, and `detach()`.
 *
 * @example
 * ```ts
 * import ssh2 from "ssh2";
 * import { attach, SSH2_KEEPALIVE_OFF } from "@tsalive/ssh2-server";
 * const server = new ssh2.Server({ hostKeys: [ssh2.utils.generateKeyPairSync("ecdsa", { bits: 256 }).private], ...SSH2_KEEPALIVE_OFF });
 * const liveness = attach(server, { probe: { interval: 15_000 } });
 * liveness.on("timeout", ({ payload }) => console.log(payload.message));
 * liveness.stats().open; // 0
 * liveness.detach();
 * ```
 */
export class ServerLiveness {
  readonly #server: Server;
  readonly #events = new Emitter<ServerLivenessEvents>();
  readonly #open = new Set<ConnectionLiveness>();
  readonly #undo: (() => void)[] = [];
  readonly #owner: ConnectionOwner;
  #detached = false;
  #accepted = 0;
  #timeouts = 0;
  #refused = 0;

  /** Use {@linkcode attach}. */
  constructor(server: Server, options: ServerOptionsInput) {
    this.#server = server;
    this.#owner = {
      emit: (connection, event, payload) => {
        if (event === "timeout") this.#timeouts++;
        (this.#events.emit as (event: string, payload: unknown) => void)(event, { connection, payload });
      },
      closed: (connection) => {
        this.#open.delete(connection);
      },
      wants: (event) => this.#events.has(event),
      refused: (refusal) => this.#refuse(refusal),
    };
    const net = checkServer(server)._srv;
    // Ours runs before ssh2's own listener creates the Connection: the watchdog counts from the accept.
    const onSocket = (socket: Socket): void => {
      if (this.#detached) return;
      this.#accepted++;
      let connection: ConnectionLiveness;
      try {
        connection = new ConnectionLiveness(socket, options, this.#owner);
      } catch (error) {
        if (!(error instanceof OptionsRefused)) throw error;
        this.#refuse({
          info: socketInfo(socket, undefined),
          phase: "accept",
          reason: error.reason,
          error: error.error,
        });
        socket.destroy();
        return;
      }
      this.#open.add(connection);
      this.#events.emit("accept", connection);
    };
    net.prependListener("connection", onSocket);
    this.#undo.push(() => net.removeListener("connection", onSocket));
    // ssh2 emits 'connection' once the client's identification line arrived (server.js:497-512).
    const onConnection = (connection: Connection): void => {
      const socket = socketOf(connection);
      const handle = ConnectionLiveness.of(socket);
      // No handle: accepted before attach() or while detached, or attached on its own with attachConnection().
      if (handle === undefined || !this.#open.has(handle)) return;
      // ssh2 rejects a connection nobody listens for (server.js:505-510); ours alone must not change that.
      if (server.listenerCount("connection") <= 1) {
        connection.end();
        return;
      }
      try {
        handle.adopt(connection);
      } catch (error) {
        socket?.destroy();
        throw error;
      }
    };
    server.prependListener("connection", onConnection);
    this.#undo.push(() => server.removeListener("connection", onConnection));
  }

  /** Whether the handle is still attached. */
  get attached(): boolean {
    return !this.#detached;
  }

  /** The handle of one of this server's connections (its supervisor, events, stats). */
  of(connection: Connection): ConnectionLiveness | undefined {
    const handle = ConnectionLiveness.of(socketOf(connection));
    return handle !== undefined && this.#open.has(handle) ? handle : undefined;
  }

  /** The handles of the connections open now (accepted while attached and not closed yet), oldest first. */
  connections(): ConnectionLiveness[] {
    return [...this.#open];
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ServerLivenessEvents>(event: K, listener: Listener<ServerLivenessEvents[K]>): () => void {
    // Monitor events are forwarded only once someone listens (idle connections pay nothing for them).
    if (event !== "accept")
      for (const connection of this.#open) connection.forward(event as keyof ConnectionLivenessEvents);
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode ServerLiveness.on}. */
  off<K extends keyof ServerLivenessEvents>(event: K, listener: Listener<ServerLivenessEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /** Listeners subscribed to this handle, over all events (for leak checks). */
  listenerCount(): number {
    return this.#events.listenerCount();
  }

  /** Counters. */
  stats(): ServerLivenessStats {
    return {
      attached: !this.#detached,
      accepted: this.#accepted,
      open: this.#open.size,
      timeouts: this.#timeouts,
      refused: this.#refused,
    };
  }

  #refuse(refusal: Refusal): void {
    this.#refused++;
    if (this.#events.has("refuse")) this.#events.emit("refuse", refusal);
    else logRefusal(refusal);
  }

  /**
   * Removes every hook from the server and its open connections and stops their monitors; connections stay up and
   * their processes stay supervised until they close. New connections are not watched. Idempotent.
   */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    for (const undo of this.#undo.splice(0).reverse()) undo();
    for (const connection of this.#open) connection.detach();
    this.#events.clear();
    attachedServers.delete(this.#server);
  }
}

/**
 * Attaches tsalive to an ssh2 `Server`: every connection accepted from now on gets ClientAlive (after
 * authentication, probing as sshd does, dead at last-inbound + (C+1)·I with no 2·I drift), SSH_MSG_IGNORE
 * heartbeats, a watchdog counted from the accept that stops the connection's processes before closing it,
 * UnusedConnectionTimeout, ChannelTimeout, TCPKeepAlive, answers to every want-reply channel request, and a
 * process supervisor (`liveness.of(connection).supervisor`). `options` may be a function of the connection
 * (user, addresses, ports) to evaluate sshd's `Match` per connection.
 *
 * ssh2's own server keepalive is neutralised on every attached connection; construct the Server with
 * `keepaliveInterval: 2 ** 31 - 1` (see {@linkcode SSH2_KEEPALIVE_OFF}) so its timer never runs at all.
 *
 * Options are checked here; an options function is checked each time it answers: when it throws or returns
 * invalid options, that one connection is refused (destroyed) and the `refuse` event says why.
 *
 * @throws {TypeError} when `server` is not an object, or `options` is neither an object nor a function.
 * @throws {Ssh2CompatibilityError} when this ssh2 lacks an internal the adapter needs.
 * @throws {RangeError} for a bad option, naming it and the value received (an unknown key such as sshd's
 * `ClientAliveInterval`, a value of the wrong kind, a time under 100 ms without `allowFastIntervals`).
 * @throws {Error} when the server is already attached.
 *
 * @example
 * ```ts no-run
 * // no-run: reads a host key file.
 * import { readFileSync } from "node:fs";
 * import ssh2 from "ssh2";
 * import { attach, SSH2_KEEPALIVE_OFF } from "@tsalive/ssh2-server";
 *
 * const server = new ssh2.Server({ hostKeys: [readFileSync("host_key")], ...SSH2_KEEPALIVE_OFF });
 * // ClientAliveInterval 15, ClientAliveCountMax 3, WatchdogTimeout 60
 * const liveness = attach(server, { probe: { interval: 15_000, countMax: 3 }, watchdog: { timeout: 60_000 } });
 * ```
 */
export function attach(server: Server, options?: ServerOptionsInput | null): ServerLiveness {
  if (typeof server !== "object" || server === null) {
    throw new TypeError(`Cannot attach to ssh2 server: expected an ssh2 Server, received ${formatValue(server)}`);
  }
  options ??= {};
  if (typeof options !== "function") resolveServerOptions(options);
  checkServer(server);
  if (attachedServers.has(server)) throw new Error("Cannot attach to ssh2 server: already attached; detach() first");
  const handle = new ServerLiveness(server, options);
  attachedServers.set(server, handle);
  return handle;
}

/**
 * Server options that push ssh2's built-in server keepalive (on by default, 15 s × 3, ending with an `end()` that
 * waits forever on a dead peer) out of reach: `0` falls back to 15 s, and values above 2³¹−1 make Node's timer fire
 * after 1 ms, so the largest valid interval is the only per-server off switch. Spread it into `new Server({...})`.
 *
 * @example
 * ```ts
 * import ssh2 from "ssh2";
 * import { SSH2_KEEPALIVE_OFF } from "@tsalive/ssh2-server";
 * const hostKeys = [ssh2.utils.generateKeyPairSync("ecdsa", { bits: 256 }).private];
 * new ssh2.Server({ hostKeys, ...SSH2_KEEPALIVE_OFF });
 * ```
 */
export const SSH2_KEEPALIVE_OFF: { readonly keepaliveInterval: number } = Object.freeze({
  keepaliveInterval: 2 ** 31 - 1,
});
