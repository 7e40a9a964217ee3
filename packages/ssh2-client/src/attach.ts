import type { LivenessMonitor, MonitorStats } from "@tsalive/core";
import { Emitter, formatValue, type Listener } from "@tsalive/core";
import { checkPing } from "@tsalive/ssh2-layer";
import type { Client } from "ssh2";
import { Connection, type ConnectionOwner } from "./_connection.ts";
import { checkClient, internalsOf, type Ssh2ClientInternals } from "./_ssh2_internals.ts";
import type { AnsweredRequest } from "./_want_reply.ts";
import { type ClientTimeoutError, Ssh2CompatibilityError } from "./errors.ts";
import { type ClientOptions, type ResolvedClientOptions, resolveClientOptions } from "./options.ts";

/** Payloads of the events a {@linkcode ClientLiveness} emits. */
export interface ClientLivenessEvents {
  /** A connection authenticated; its monitor starts right after (once per `connect()`). */
  connection: undefined;
  /** A `keepalive@openssh.com` probe went out; `unanswered` counts it and the earlier ones of this silence. */
  probe: { readonly unanswered: number };
  /** A probe was answered (SUCCESS or FAILURE); `rtt` in ms. */
  reply: { readonly rtt: number | undefined };
  /** An `SSH_MSG_IGNORE` heartbeat went out. */
  heartbeat: undefined;
  /** The connection timed out and its socket was destroyed; `'close'` follows. */
  timeout: ClientTimeoutError;
  /** tsalive answered a want-reply channel request that ssh2 would have left unanswered. */
  answer: AnsweredRequest;
}

/** A snapshot from {@linkcode ClientLiveness.stats}. */
export interface ClientLivenessStats {
  /** `false` once `detach()` ran. */
  readonly attached: boolean;
  /** Connections (calls of `connect()`) seen while attached. */
  readonly connections: number;
  /** Connections ended by ServerAlive or ConnectTimeout. */
  readonly timeouts: number;
  /** Want-reply channel requests answered by tsalive because ssh2 would not have. */
  readonly answeredRequests: number;
  /** Want-reply channel requests for a channel id that does not exist, which nobody can answer. */
  readonly unanswerableRequests: number;
  /** The monitor of the current connection, or of the last one; `undefined` before the first authentication. */
  readonly monitor: MonitorStats | undefined;
}

const attached = new WeakMap<object, ClientLiveness>();

/**
 * The handle {@linkcode attach} returns: events, counters, and `detach()`.
 *
 * @example
 * ```ts
 * import { Client } from "ssh2";
 * import { attach } from "@tsalive/ssh2-client";
 * const liveness = attach(new Client(), { probe: { interval: 15_000 } });
 * liveness.on("probe", ({ unanswered }) => console.log(`probe ${unanswered}`));
 * liveness.stats().connections; // 0
 * liveness.detach();
 * ```
 */
export class ClientLiveness {
  readonly #client: Client;
  readonly #internals: Ssh2ClientInternals;
  readonly #options: ResolvedClientOptions;
  readonly #events = new Emitter<ClientLivenessEvents>();
  readonly #restoreConnect: () => void;
  #connection: Connection | undefined;
  #lastMonitor: LivenessMonitor | undefined;
  #detached = false;
  #connections = 0;
  #timeouts = 0;
  #answered = 0;
  #unanswerable = 0;
  readonly #owner: ConnectionOwner;

  /** Same as {@linkcode attach}. */
  constructor(client: Client, options?: ClientOptions | null) {
    if (typeof client !== "object" || client === null) {
      throw new TypeError(`Cannot attach to ssh2 client: expected an ssh2 Client, received ${formatValue(client)}`);
    }
    const resolved = resolveClientOptions(options);
    checkClient(client);
    if (resolved.ping) checkPing(Ssh2CompatibilityError);
    if (attached.has(client)) throw new Error("Cannot attach to ssh2 client: already attached; detach() first");
    this.#client = client;
    this.#internals = internalsOf(client);
    this.#options = resolved;
    this.#owner = this.#makeOwner();
    this.#restoreConnect = this.#wrapConnect();
    attached.set(client, this);
    const socket = this.#internals._sock;
    // Attached to a client that is already connected (or connecting): adopt that connection as it is.
    if (this.#internals._protocol !== undefined && socket !== undefined && !socket.destroyed) {
      try {
        this.#adopt(false);
      } catch (error) {
        this.detach();
        throw error;
      }
    }
  }

  /** Whether the handle is still attached. */
  get attached(): boolean {
    return !this.#detached;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ClientLivenessEvents>(event: K, listener: Listener<ClientLivenessEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode ClientLiveness.on}. */
  off<K extends keyof ClientLivenessEvents>(event: K, listener: Listener<ClientLivenessEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /** Listeners subscribed to this handle, over all events (for leak checks). */
  listenerCount(): number {
    return this.#events.listenerCount();
  }

  /** Counters, and the current connection's monitor statistics (probes, replies, RTT, last inbound/outbound). */
  stats(): ClientLivenessStats {
    return {
      attached: !this.#detached,
      connections: this.#connections,
      timeouts: this.#timeouts,
      answeredRequests: this.#answered,
      unanswerableRequests: this.#unanswerable,
      monitor: (this.#connection?.monitor ?? this.#lastMonitor)?.stats(),
    };
  }

  /**
   * Removes every hook from the client and its current connection, stops the monitor and drops this handle's
   * listeners; the connection itself stays up. The client's `connect()` is ssh2's own again, so the next
   * connection runs ssh2's built-in keepalive if its config asks for one. Idempotent.
   */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#connection?.dispose();
    this.#connection = undefined;
    this.#restoreConnect();
    this.#events.clear();
    attached.delete(this.#client);
  }

  /**
   * Wraps the client's `connect()` so that every connection, including reconnects of the same Client, gets its
   * hooks, and so that ssh2's own keepalive (which probes while data flows) is off while attached.
   */
  #wrapConnect(): () => void {
    const client = this.#internals;
    const own = Object.hasOwn(client, "connect");
    const previous = client.connect;
    const connect = (config: object): unknown => {
      const before = client._protocol;
      const result = previous.call(client, withoutBuiltInKeepalive(config));
      // ssh2 defers connect() until an open socket has closed, then calls connect() again: adopt only new ones.
      if (!this.#detached && client._protocol !== before) this.#adopt(true);
      return result;
    };
    client.connect = connect;
    return () => {
      if (client.connect !== connect) return;
      if (own) client.connect = previous;
      else delete (client as { connect?: unknown }).connect;
    };
  }

  #adopt(fresh: boolean): void {
    this.#connection?.dispose();
    this.#connections++;
    try {
      this.#connection = new Connection(this.#owner, this.#internals, { fresh });
    } catch (error) {
      // A connection that connect() just started must not run unwatched; one that was already up stays as it was.
      if (fresh) this.#internals._sock?.destroy();
      throw error;
    }
  }

  #makeOwner(): ConnectionOwner {
    const options = this.#options;
    return {
      monitorOptions: options.monitor,
      ping: options.ping,
      tcpKeepAlive: options.tcpKeepAlive,
      connectTimeout: options.connectTimeout,
      timers: options.timers,
      host: () => options.host ?? this.#internals.config.host ?? "localhost",
      authenticated: (monitor) => {
        if (monitor !== undefined) {
          this.#lastMonitor = monitor;
          monitor.on("probe", (payload) => this.#events.emit("probe", payload));
          monitor.on("reply", (payload) => this.#events.emit("reply", payload));
          monitor.on("heartbeat", () => this.#events.emit("heartbeat", undefined));
        }
        this.#events.emit("connection", undefined);
      },
      timedOut: (error) => {
        this.#timeouts++;
        this.#events.emit("timeout", error);
        // ssh2's own keepalive reports the same way: 'error' with level 'client-timeout', then 'close'.
        if (options.emitError) this.#client.emit("error", error);
      },
      answered: (request) => {
        this.#answered++;
        this.#events.emit("answer", request);
      },
      unanswerable: () => {
        this.#unanswerable++;
      },
      closed: (connection) => {
        if (this.#connection === connection) this.#connection = undefined;
      },
    };
  }
}

/**
 * Attaches OpenSSH-exact liveness to an ssh2 `Client`, before or after `connect()`; every later `connect()` of the
 * same Client is covered too, each connection with a fresh monitor.
 *
 * - ServerAlive (`probe`): `keepalive@openssh.com` after `interval` of inbound silence; any decrypted packet resets
 *   the count; a key exchange never counts as silence; on timeout the socket is destroyed at once and the client
 *   emits `'error'` (a {@linkcode ClientTimeoutError}, `Timeout, server HOST not responding.`) then `'close'`.
 * - Heartbeat (`heartbeat`): `SSH_MSG_IGNORE` after `interval` of outbound silence, queued during a key exchange.
 * - Every want-reply channel request ssh2 leaves unanswered gets a reply.
 * - TCPKeepAlive (`tcpKeepAlive`, default on) and ConnectTimeout (`connectTimeout`).
 * - ssh2's own `keepaliveInterval` is switched off while attached.
 *
 * `options` left out or `null` attach with everything but TCPKeepAlive off. An unknown key (ssh2's
 * `keepaliveInterval`, OpenSSH's `ServerAliveInterval`: options are tsalive's, in milliseconds) throws.
 *
 * @throws {TypeError} when `client` is not an object.
 * @throws {Ssh2CompatibilityError} when this ssh2 lacks an internal the adapter needs.
 * @throws {RangeError} for a bad option, naming it and the value received (an unknown key, a value of the wrong
 * kind, a time under 100 ms without `allowFastIntervals`).
 * @throws {Error} when the client is already attached.
 *
 * @example
 * ```ts no-run
 * // no-run: connects to a real server.
 * import ssh2 from "ssh2";
 * import { attach } from "@tsalive/ssh2-client";
 *
 * const client = new ssh2.Client();
 * attach(client, { probe: { interval: 15_000, countMax: 3 } }); // ServerAliveInterval 15, ServerAliveCountMax 3
 * client.on("error", (error) => console.error(error.message)); // Timeout, server example.com not responding.
 * client.connect({ host: "example.com", username: "me", agent: process.env.SSH_AUTH_SOCK ?? "" });
 * ```
 */
export function attach(client: Client, options?: ClientOptions | null): ClientLiveness {
  return new ClientLiveness(client, options);
}

function withoutBuiltInKeepalive(config: object): object {
  if (typeof config !== "object" || config === null) return config;
  const interval = (config as { keepaliveInterval?: unknown }).keepaliveInterval;
  if (typeof interval !== "number" || !(interval > 0)) return config;
  return { ...config, keepaliveInterval: 0 };
}
