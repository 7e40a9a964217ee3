import type { Socket } from "node:net";
import { Emitter, type Listener } from "@tsalive/core";
import { stateOf } from "@tsalive/ssh2-layer";
import type { Connection } from "ssh2";
import { bitOf, subscribe } from "./_forwarding.ts";
import { adopt, detach, supervisorOf, watchSocket } from "./_lifecycle.ts";
import { resolveFor } from "./_refuse.ts";
import { ConnectionState, socketInfo } from "./_state.ts";
import type { ChannelInfo } from "./channel_info.ts";
import type { ConnectionLivenessEvents, ConnectionLivenessStats, ConnectionOwner } from "./connection_events.ts";
import type { ConnectionInfo, ServerOptions, ServerOptionsInput } from "./options.ts";
import type { ProcessSupervisor } from "./supervisor.ts";

export type {
  AnsweredRequest,
  ConnectionLivenessEvents,
  ConnectionLivenessStats,
  ConnectionOwner,
} from "./connection_events.ts";

/**
 * tsalive on one connection of an ssh2 server: ClientAlive, Heartbeat, Watchdog, UnusedConnectionTimeout,
 * ChannelTimeout, answers to every want-reply channel request, and the {@linkcode ProcessSupervisor} of the
 * processes the connection starts. Get it from `attach(server).of(connection)` or `attachConnection(connection)`.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `server` is your ssh2 Server, `serverLiveness` what attach(server) returned.
 * import type { Server } from "ssh2";
 * import type { ServerLiveness } from "@tsalive/ssh2-server";
 * declare const server: Server, serverLiveness: ServerLiveness;
 * server.on("connection", (connection) => {
 *   const liveness = serverLiveness.of(connection);
 *   liveness?.on("timeout", (error) => console.log(error.message)); // Timeout, client not responding from …
 * });
 * ```
 */
export class ConnectionLiveness {
  /** Everything the handle knows lives in the per-connection state the concern modules share. */
  readonly #state: ConnectionState;

  /** Use `attach()` or `attachConnection()`. */
  constructor(socket: Socket, input: ServerOptionsInput, owner?: ConnectionOwner) {
    // An options function is asked with the connection's info, which the connection then keeps.
    let info: ConnectionInfo | undefined;
    const options = resolveFor(input, () => {
      info ??= socketInfo(socket, undefined);
      return info;
    });
    this.#state = new ConnectionState(socket, this, owner, input, options, info);
    watchSocket(this.#state);
  }

  /** The handle attached to a socket (an ssh2 Connection's `_sock`), if any. */
  static of(socket: Socket | undefined): ConnectionLiveness | undefined {
    const handle = socket === undefined ? undefined : stateOf<ConnectionState>(socket)?.handle;
    return handle instanceof ConnectionLiveness ? handle : undefined;
  }

  /** The processes this connection started; stopped on watchdog expiry and when the connection closes. */
  get supervisor(): ProcessSupervisor {
    return supervisorOf(this.#state);
  }

  /** Who the client is; `user` once authenticated. */
  get info(): ConnectionInfo {
    return this.#state.info();
  }

  /** The options in force (the per-connection function's answer, once authenticated the second one). */
  get options(): ServerOptions {
    return this.#state.options.source;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ConnectionLivenessEvents>(event: K, listener: Listener<ConnectionLivenessEvents[K]>): () => void {
    this.#state.events ??= new Emitter();
    this.forward(event);
    return this.#state.events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode ConnectionLiveness.on}. */
  off<K extends keyof ConnectionLivenessEvents>(event: K, listener: Listener<ConnectionLivenessEvents[K]>): void {
    this.#state.events?.off(event, listener);
  }

  /** Listeners subscribed to this handle, over all events (for leak checks). */
  listenerCount(): number {
    return this.#state.events?.listenerCount() ?? 0;
  }

  /**
   * Makes sure the monitor's `probe`, `reply` and `heartbeat` events reach this handle's listeners and the server
   * handle's. They are subscribed to only once someone listens, so idle connections pay nothing for them; `on()`
   * calls this, and the server handle calls it for its open connections when it gains such a listener.
   */
  forward(event: keyof ConnectionLivenessEvents): void {
    const state = this.#state;
    const bit = bitOf(event);
    if (bit === 0 || (state.forwarded & bit) !== 0) return;
    state.forwarded |= bit;
    if (state.monitor !== undefined) subscribe(state, state.monitor, bit);
  }

  /** Counters and the monitor's statistics. */
  stats(): ConnectionLivenessStats {
    const state = this.#state;
    return {
      info: state.info(),
      authenticated: state.authenticated,
      openChannels: state.channels?.size,
      processes: state.supervisor?.size ?? 0,
      answeredRequests: state.answered,
      unanswerableRequests: state.unanswerable,
      monitor: state.monitor?.stats(),
    };
  }

  /**
   * The channels open now, with their types, ChannelTimeout labels and (for those a `channelTimeout` pattern
   * covers) idle times; `undefined` when channels are not tracked (neither `unusedConnectionTimeout` nor
   * `channelTimeout` is set), as for `stats().openChannels`.
   */
  channels(): readonly ChannelInfo[] | undefined {
    return this.#state.channels?.list();
  }

  /**
   * Hooks into the ssh2 Connection of this socket; called by the server handle on ssh2's 'connection' event.
   *
   * @throws {Ssh2CompatibilityError} when this ssh2 lacks an internal the adapter needs.
   */
  adopt(connection: Connection): void {
    adopt(this.#state, connection);
  }

  /**
   * Removes every liveness hook and stops the monitors; the connection stays up, and its processes stay
   * supervised until it closes. Idempotent.
   */
  detach(): void {
    detach(this.#state);
    this.#state.events?.clear();
  }
}
