import type { Socket } from "node:net";
import { Emitter, type Listener, LivenessMonitor, type MonitorOptions } from "@tsalive/core";
import {
  bindState,
  hook,
  markBytes,
  markPackets,
  markWrites,
  previous,
  stateOf,
  unhook,
  unmarkBytes,
  unmarkPackets,
  unmarkWrites,
} from "@tsalive/ssh2-layer";
import type { Connection } from "ssh2";
import { installAnswers, removeAnswers } from "./_answers.ts";
import { trackChannels, untrackChannels } from "./_channel_tracking.ts";
import { bitOf, FORWARDED, subscribe } from "./_forwarding.ts";
import { installProbes, removeProbes, Transport } from "./_probes.ts";
import { OptionsRefused, refuseAuthenticated, resolveFor } from "./_refuse.ts";
import { checkConnection, type HandlerOf } from "./_ssh2_internals.ts";
import { type ConnectionEmitter, type ConnectionState, emit, infoOf, newState } from "./_state.ts";
import { noteStopped } from "./_teardown.ts";
import type { ChannelInfo } from "./channel_info.ts";
import type { ConnectionLivenessEvents, ConnectionLivenessStats, ConnectionOwner } from "./connection_events.ts";
import type { ConnectionInfo, ResolvedServerOptions, ServerOptions, ServerOptionsInput } from "./options.ts";
import { ProcessSupervisor } from "./supervisor.ts";

export type {
  AnsweredRequest,
  ConnectionLivenessEvents,
  ConnectionLivenessStats,
  ConnectionOwner,
} from "./connection_events.ts";

// The hooks below are one function each for every connection; each finds its connection's state on its object.
const onUserauthRequest: HandlerOf<"USERAUTH_REQUEST"> = (p, username, ...rest) => {
  const state = stateOf<ConnectionState>(p);
  if (state !== undefined) state.lastUser = username;
  previous(p._handlers, onUserauthRequest)?.(p, username, ...rest);
};
// ssh2's 'ready' and the socket's 'close', one listener each for every connection, reach the handle's private
// steps through these (set in its static block).
let authenticated: (handle: ConnectionLiveness) => void;
let closed: (handle: ConnectionLiveness) => void;
function onReady(this: ConnectionEmitter): void {
  this.removeListener("ready", onReady);
  const handle = stateOf<ConnectionState>(this._protocol)?.handle;
  if (handle !== undefined) authenticated(handle);
}
function onClose(this: Socket): void {
  const handle = stateOf<ConnectionState>(this)?.handle;
  if (handle !== undefined) closed(handle);
}
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
  readonly #input: ServerOptionsInput;
  /** The plain per-connection state the concern modules share. */
  readonly #state: ConnectionState;
  #options: ResolvedServerOptions;
  /** Monitor events forwarded to listeners so far (a bit per event): none until someone listens. */
  #forwarded = 0;
  #authenticated = false;
  /** Whether the socket's writes are marked (with a heartbeat after authentication). */
  #writes = false;
  #disposed = false;

  /** Use `attach()` or `attachConnection()`. */
  constructor(socket: Socket, input: ServerOptionsInput, owner?: ConnectionOwner) {
    this.#input = input;
    this.#state = newState(socket, this, owner, infoOf(socket));
    this.#options = this.#resolve();
    if (this.#options.tcpKeepAlive) socket.setKeepAlive(true);
    if (this.#options.beforeAuth !== undefined) this.#startMonitor(this.#options.beforeAuth);
    bindState(socket, this.#state);
    // Raw bytes are inbound activity until ssh2 parses packets (a client that stalls before its identification)
    // and during key exchanges. The close stays hooked after detach(): the supervisor stops the processes then.
    markBytes(socket);
    socket.on("close", onClose);
  }

  /** The handle attached to a socket (an ssh2 Connection's `_sock`), if any. */
  static of(socket: Socket | undefined): ConnectionLiveness | undefined {
    const handle = socket === undefined ? undefined : stateOf<ConnectionState>(socket)?.handle;
    return handle instanceof ConnectionLiveness ? handle : undefined;
  }

  /** The processes this connection started; stopped on watchdog expiry and when the connection closes. */
  get supervisor(): ProcessSupervisor {
    this.#state.supervisor ??= new ProcessSupervisor({ killGrace: this.#options.killGrace });
    return this.#state.supervisor;
  }

  /** Who the client is; `user` once authenticated. */
  get info(): ConnectionInfo {
    return this.#state.info;
  }

  /** The options in force (the per-connection function's answer, once authenticated the second one). */
  get options(): ServerOptions {
    return this.#options.source;
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
    const bit = bitOf(event);
    if (bit === 0 || (this.#forwarded & bit) !== 0) return;
    this.#forwarded |= bit;
    if (this.#state.monitor !== undefined) subscribe(this.#state, this.#state.monitor, bit);
  }

  /** Counters and the monitor's statistics. */
  stats(): ConnectionLivenessStats {
    const state = this.#state;
    return {
      info: this.#state.info,
      authenticated: this.#authenticated,
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
    const state = this.#state;
    if (state.internals !== undefined || this.#disposed) return;
    const internals = checkConnection(connection) as ConnectionEmitter;
    const protocol = internals._protocol;
    state.internals = internals;
    state.protocol = protocol;
    bindState(protocol, state);
    bindState(protocol._handlers, state);
    markPackets(protocol, state);
    installProbes(protocol);
    installAnswers(protocol);
    hook(protocol._handlers, "USERAUTH_REQUEST", onUserauthRequest);
    if (internals.authenticated) this.#onAuthenticated();
    else internals.on("ready", onReady);
  }

  /**
   * Removes every liveness hook and stops the monitors; the connection stays up, and its processes stay
   * supervised until it closes. Idempotent.
   */
  detach(): void {
    this.#dispose();
    this.#state.events?.clear();
  }

  /** Every hook comes out in the reverse order of going in, so chained hooks on one key unwind. */
  #dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const state = this.#state;
    state.monitor?.stop();
    const { socket, protocol, internals } = state;
    if (this.#writes) unmarkWrites(socket);
    if (protocol !== undefined && internals !== undefined) {
      internals.removeListener("ready", onReady);
      untrackChannels(state, protocol);
      unhook(protocol._handlers, "USERAUTH_REQUEST", onUserauthRequest);
      removeAnswers(protocol);
      removeProbes(protocol);
      unmarkPackets(protocol, state);
    }
    unmarkBytes(socket);
  }

  static {
    authenticated = (handle) => handle.#onAuthenticated();
    closed = (handle) => void handle.#closed();
  }

  /** @throws {OptionsRefused} when a per-connection options function throws or answers with invalid options. */
  #resolve(): ResolvedServerOptions {
    return resolveFor(this.#input, this.#state.info);
  }

  #startMonitor(options: MonitorOptions): void {
    this.#state.monitor?.stop();
    const monitor = new LivenessMonitor(new Transport(this.#state), options);
    this.#state.monitor = monitor;
    for (const [bit, event] of FORWARDED) {
      if ((this.#forwarded & bit) !== 0 || this.#state.owner?.wants(event) === true) {
        this.#forwarded |= bit;
        subscribe(this.#state, monitor, bit);
      }
    }
    monitor.start();
  }

  #onAuthenticated(): void {
    if (this.#authenticated || this.#disposed) return;
    this.#authenticated = true;
    const state = this.#state;
    state.info = { ...state.info, user: state.lastUser };
    if (typeof this.#input === "function") {
      try {
        this.#options = this.#resolve();
      } catch (error) {
        if (!(error instanceof OptionsRefused)) throw error;
        refuseAuthenticated(state, error);
        return;
      }
    }
    const options = this.#options;
    // A fresh monitor rather than reconfigure(): the client's last packet arrived just now (its USERAUTH_REQUEST),
    // and a new monitor shares the resolved options of every other connection instead of holding its own copy.
    if (options.afterAuth === undefined) {
      state.monitor?.stop();
      state.monitor = undefined;
    } else {
      this.#startMonitor(options.afterAuth);
    }
    // Every write to the socket is outbound activity for the heartbeat: a clock read, no timer reset.
    if (options.afterAuth?.heartbeat !== undefined) {
      markWrites(state.socket);
      this.#writes = true;
    }
    if ((options.unusedConnectionTimeout !== undefined || options.channelTimeout.length > 0) && state.protocol) {
      trackChannels(state, state.protocol, options);
    }
    emit(this.#state, "authenticated", this.#state.info);
  }

  /** The socket closed: every hook goes, then every process of the connection. */
  async #closed(): Promise<void> {
    this.#state.ending = true;
    this.#dispose();
    try {
      // A supervisor asked for after the close starts closed and stops what it is given at once.
      noteStopped(this.#state, await this.supervisor.stopAll());
    } finally {
      this.#state.owner?.closed(this);
      emit(this.#state, "close", { stopped: [...(this.#state.stopped ?? [])] });
      this.#state.events?.clear();
    }
  }
}
