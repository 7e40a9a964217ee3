import type { Socket } from "node:net";
import {
  Emitter,
  type Listener,
  type LivenessError,
  LivenessMonitor,
  type MonitorOptions,
  type MonitorStats,
} from "@tsalive/core";
import type { Connection } from "ssh2";
import { type ChannelRecord, ChannelRegistry } from "./_channels.ts";
import { labelOfSessionRequest } from "./_pattern.ts";
import { logRefusal, OptionsRefused, type Refusal, resolveFor } from "./_refuse.ts";
import {
  channelAt,
  channelCallbacks,
  checkConnection,
  firstOpenChannel,
  inKeyExchange,
  isSession,
  type MessageHandlers,
  type Ssh2ConnectionInternals,
  type Ssh2Protocol,
  sendChannelKeepalive,
  sendGlobalKeepalive,
  sendIgnore,
  sidesOf,
} from "./_ssh2_internals.ts";
import type { StoppedProcess } from "./_stop_processes.ts";
import type { ChannelInfo } from "./channel_info.ts";
import { type ServerTimeoutCode, ServerTimeoutError } from "./errors.ts";
import type { ConnectionInfo, ResolvedServerOptions, ServerOptions, ServerOptionsInput } from "./options.ts";
import { ProcessSupervisor } from "./supervisor.ts";

/** A want-reply channel request that ssh2 would have left unanswered, and the reply tsalive sent for it. */
export interface AnsweredRequest {
  /** Our channel id (the request's recipient). */
  readonly channel: number;
  /** The request type, e.g. `keepalive@openssh.com`. */
  readonly type: string;
  /**
   * Why ssh2 stays silent: `started` (the session already runs a shell, command or subsystem: ssh2's accept/reject
   * are inert then), `ending` (the client sent EOF or CLOSE on the session).
   */
  readonly state: "started" | "ending";
}

/** Payloads of the events a {@linkcode ConnectionLiveness} emits. */
export interface ConnectionLivenessEvents {
  /** The client authenticated; ClientAlive and Heartbeat run from now on. */
  authenticated: ConnectionInfo;
  /** A `keepalive@openssh.com` probe went out; `unanswered` counts it and the earlier ones of this silence. */
  probe: { readonly unanswered: number; readonly via: "channel" | "global" };
  /** A probe was answered (SUCCESS or FAILURE); `rtt` in ms. */
  reply: { readonly rtt: number | undefined };
  /** An `SSH_MSG_IGNORE` heartbeat went out. */
  heartbeat: undefined;
  /**
   * tsalive is ending the connection (ClientAlive, Watchdog or UnusedConnectionTimeout). For the watchdog the
   * processes are stopped next (the `watchdog` event names them), then the socket is destroyed; otherwise the
   * socket is destroyed at once.
   */
  timeout: ServerTimeoutError;
  /** ChannelTimeout closed a channel. */
  "channel-timeout": { readonly channel: number; readonly label: string };
  /** tsalive answered a want-reply channel request that ssh2 would have left unanswered. */
  answer: AnsweredRequest;
  /**
   * The watchdog stopped the connection's processes: `stopped` names each one that went (PID, command, and
   * whether it took the SIGKILL). Emitted once they are gone, before the socket is destroyed; `timeout` came first.
   */
  watchdog: { readonly error: ServerTimeoutError; readonly stopped: readonly StoppedProcess[] };
  /**
   * The socket closed and every process of the connection was stopped: `stopped` names each one stopped by the
   * watchdog or at the close (not those a closing channel stopped before).
   */
  close: { readonly stopped: readonly StoppedProcess[] };
}

/** A snapshot from {@linkcode ConnectionLiveness.stats}. */
export interface ConnectionLivenessStats {
  readonly info: ConnectionInfo;
  readonly authenticated: boolean;
  /** Channels open now (tracked when `unusedConnectionTimeout` or `channelTimeout` is set, else `undefined`). */
  readonly openChannels: number | undefined;
  /** Sessions the supervisor tracks now (a leader running, or processes left of its session). */
  readonly processes: number;
  /** Want-reply channel requests answered by tsalive because ssh2 would not have. */
  readonly answeredRequests: number;
  /** Want-reply channel requests for a channel id that does not exist, which nobody can answer. */
  readonly unanswerableRequests: number;
  readonly monitor: MonitorStats | undefined;
}

/** What a {@linkcode ConnectionLiveness} reports to the server handle that owns it, if any. */
export interface ConnectionOwner {
  emit<K extends keyof ConnectionLivenessEvents>(
    connection: ConnectionLiveness,
    event: K,
    payload: ConnectionLivenessEvents[K],
  ): void;
  closed(connection: ConnectionLiveness): void;
  /** Whether the server handle has listeners for a monitor event (probe, reply, heartbeat). */
  wants(event: "probe" | "reply" | "heartbeat"): boolean;
  /** The per-connection options function failed for this connection, which is being destroyed. */
  refused(refusal: Refusal): void;
}

type Write = Socket["write"];
type ConnectionEmitter = Ssh2ConnectionInternals & {
  on(event: "ready", listener: (this: ConnectionEmitter) => void): unknown;
  removeListener(event: "ready", listener: (this: ConnectionEmitter) => void): unknown;
  listenerCount(event: string): number;
  emit(event: "error", error: Error): boolean;
};

/**
 * The connection's handle, on its protocol and socket. Every hook is one function shared by all connections that
 * finds its connection here (a property load), instead of a closure per hook and connection: an idle connection
 * then costs one object and a few small ones, not dozens of closures.
 */
const OWNER: unique symbol = Symbol("tsalive.connection");
type Owned<T> = T & { [OWNER]?: ConnectionLiveness | undefined };

/** The ssh2 handlers tsalive replaces on every connection; ssh2's own are kept per connection and called on. */
type HookedHandlers = Pick<
  MessageHandlers,
  | "REQUEST_SUCCESS"
  | "REQUEST_FAILURE"
  | "CHANNEL_SUCCESS"
  | "CHANNEL_FAILURE"
  | "CHANNEL_REQUEST"
  | "CHANNEL_CLOSE"
  | "USERAUTH_REQUEST"
>;
/** Installed only with ChannelTimeout (all four) or UnusedConnectionTimeout (the two opens). */
type ChannelHandlers = Pick<
  MessageHandlers,
  "CHANNEL_OPEN" | "CHANNEL_OPEN_CONFIRMATION" | "CHANNEL_DATA" | "CHANNEL_EXTENDED_DATA"
>;
type ChannelMethods = Pick<Ssh2Protocol, "channelOpenConfirm" | "channelData" | "channelExtData">;
const HOOKED = [
  "REQUEST_SUCCESS",
  "REQUEST_FAILURE",
  "CHANNEL_SUCCESS",
  "CHANNEL_FAILURE",
  "CHANNEL_REQUEST",
  "CHANNEL_CLOSE",
  "USERAUTH_REQUEST",
] as const;
const CHANNEL_HANDLERS = [
  "CHANNEL_OPEN",
  "CHANNEL_OPEN_CONFIRMATION",
  "CHANNEL_DATA",
  "CHANNEL_EXTENDED_DATA",
] as const;
const CHANNEL_METHODS = ["channelOpenConfirm", "channelData", "channelExtData"] as const;
const FORWARDED = [
  [1, "probe"],
  [2, "reply"],
  [4, "heartbeat"],
] as const;

/** The shared hooks, defined in the class's static block (they reach its private fields). */
let hooks: {
  readonly handlers: Required<HookedHandlers>;
  readonly channelHandlers: Required<ChannelHandlers>;
  readonly channelMethods: ChannelMethods;
  readonly ping: (this: Ssh2Protocol) => void;
  readonly onData: (this: Owned<Socket>) => void;
  readonly onClose: (this: Owned<Socket>) => void;
  readonly write: (this: Owned<Socket>, ...args: Parameters<Write>) => boolean;
  readonly onReady: (this: ConnectionEmitter) => void;
  readonly send: (connection: ConnectionLiveness, probe: boolean) => void;
};

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
  readonly #socket: Owned<Socket>;
  readonly #owner: ConnectionOwner | undefined;
  readonly #input: ServerOptionsInput;
  #events: Emitter<ConnectionLivenessEvents> | undefined;
  #supervisor: ProcessSupervisor | undefined;
  /** What the watchdog and the close stopped, for the close event. */
  #stopped: Set<StoppedProcess> | undefined;
  #info: ConnectionInfo;
  #options: ResolvedServerOptions;
  #internals: ConnectionEmitter | undefined;
  #protocol: Owned<Ssh2Protocol> | undefined;
  /** ssh2's handlers and `_onPacket` (its keepalive's reset, or a noop) from before ours. */
  #previous: { handlers: HookedHandlers; onPacket: () => void; markInbound: () => void } | undefined;
  #previousChannel:
    | { handlers: ChannelHandlers; methods: Partial<ChannelMethods>; opening: Map<number, string> }
    | undefined;
  #previousWrite: Write | undefined;
  #monitor: LivenessMonitor | undefined;
  /** Monitor events forwarded to listeners so far (a bit per event): none until someone listens. */
  #forwarded = 0;
  #channels: ChannelRegistry | undefined;
  /** Channel-request probes awaiting a reply, by our channel id: per probe, how many ssh2 replies are due first. */
  #channelProbes: Map<number, number[]> | undefined;
  #globalProbes = 0;
  /** Whether the latest probe went as a channel request. */
  #lastProbeOnChannel = false;
  #lastUser: string | undefined;
  #authenticated = false;
  #ending = false;
  #disposed = false;
  #answered = 0;
  #unanswerable = 0;

  /** Use `attach()` or `attachConnection()`. */
  constructor(socket: Socket, input: ServerOptionsInput, owner?: ConnectionOwner) {
    this.#socket = socket;
    this.#owner = owner;
    this.#input = input;
    this.#info = {
      user: undefined,
      addr: socket.remoteAddress ?? "UNKNOWN",
      port: socket.remotePort ?? 0,
      laddr: socket.localAddress ?? "UNKNOWN",
      lport: socket.localPort ?? 0,
    };
    this.#options = this.#resolve();
    if (this.#options.tcpKeepAlive) socket.setKeepAlive(true);
    if (this.#options.beforeAuth !== undefined) this.#startMonitor(this.#options.beforeAuth);
    this.#socket[OWNER] = this;
    // Raw bytes are inbound activity until ssh2 parses packets (a client that stalls before its identification)
    // and during key exchanges. The close stays hooked after detach(): the supervisor stops the processes then.
    socket.on("data", hooks.onData);
    socket.on("close", hooks.onClose);
  }

  /** The handle attached to a socket (an ssh2 Connection's `_sock`), if any. */
  static of(socket: Socket | undefined): ConnectionLiveness | undefined {
    return (socket as Owned<Socket> | undefined)?.[OWNER];
  }

  /** The processes this connection started; stopped on watchdog expiry and when the connection closes. */
  get supervisor(): ProcessSupervisor {
    this.#supervisor ??= new ProcessSupervisor({ killGrace: this.#options.killGrace });
    return this.#supervisor;
  }

  /** Who the client is; `user` once authenticated. */
  get info(): ConnectionInfo {
    return this.#info;
  }

  /** The options in force (the per-connection function's answer, once authenticated the second one). */
  get options(): ServerOptions {
    return this.#options.source;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ConnectionLivenessEvents>(event: K, listener: Listener<ConnectionLivenessEvents[K]>): () => void {
    this.#events ??= new Emitter();
    this.forward(event);
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode ConnectionLiveness.on}. */
  off<K extends keyof ConnectionLivenessEvents>(event: K, listener: Listener<ConnectionLivenessEvents[K]>): void {
    this.#events?.off(event, listener);
  }

  /** Listeners subscribed to this handle, over all events (for leak checks). */
  listenerCount(): number {
    return this.#events?.listenerCount() ?? 0;
  }

  /**
   * Makes sure the monitor's `probe`, `reply` and `heartbeat` events reach this handle's listeners and the server
   * handle's. They are subscribed to only once someone listens, so idle connections pay nothing for them; `on()`
   * calls this, and the server handle calls it for its open connections when it gains such a listener.
   */
  forward(event: keyof ConnectionLivenessEvents): void {
    const bit = event === "probe" ? 1 : event === "reply" ? 2 : event === "heartbeat" ? 4 : 0;
    if (bit === 0 || (this.#forwarded & bit) !== 0) return;
    this.#forwarded |= bit;
    if (this.#monitor !== undefined) this.#subscribe(this.#monitor, bit);
  }

  /** Counters and the monitor's statistics. */
  stats(): ConnectionLivenessStats {
    return {
      info: this.#info,
      authenticated: this.#authenticated,
      openChannels: this.#channels?.size,
      processes: this.#supervisor?.size ?? 0,
      answeredRequests: this.#answered,
      unanswerableRequests: this.#unanswerable,
      monitor: this.#monitor?.stats(),
    };
  }

  /**
   * The channels open now, with their types, ChannelTimeout labels and (for those a `channelTimeout` pattern
   * covers) idle times; `undefined` when channels are not tracked (neither `unusedConnectionTimeout` nor
   * `channelTimeout` is set), as for `stats().openChannels`.
   */
  channels(): readonly ChannelInfo[] | undefined {
    return this.#channels?.list();
  }

  /**
   * Hooks into the ssh2 Connection of this socket; called by the server handle on ssh2's 'connection' event.
   *
   * @throws {Ssh2CompatibilityError} when this ssh2 lacks an internal the adapter needs.
   */
  adopt(connection: Connection): void {
    if (this.#internals !== undefined || this.#disposed) return;
    const internals = checkConnection(connection) as ConnectionEmitter;
    const protocol: Owned<Ssh2Protocol> = internals._protocol;
    this.#internals = internals;
    this.#protocol = protocol;
    protocol[OWNER] = this;
    const handlers = protocol._handlers as Record<string, unknown>;
    const previous: Record<string, unknown> = {};
    for (const name of HOOKED) {
      previous[name] = handlers[name];
      handlers[name] = hooks.handlers[name];
    }
    // Every decrypted packet outside a key exchange passes `_onPacket` (Protocol.js:2031-2034). ssh2's own
    // `_onPacket` does not use `this`, so wrappers may call it unbound: this hook is a closure of its own.
    const onPacket = protocol._onPacket;
    const markInbound = (): void => {
      this.#monitor?.markInbound();
      onPacket();
    };
    this.#previous = { handlers: previous as HookedHandlers, onPacket, markInbound };
    protocol._onPacket = markInbound;
    // ssh2's server keepalive (server.js:394-475, on by default, 15 s × 3) pings with `proto.ping()` from a
    // setInterval and gives up with `end()`, which waits forever on a dead peer. Its timer cannot be reached, so its
    // pings are swallowed and each one resets its counter instead (through its `_onPacket`, which is that reset): it
    // never probes and never ends the connection. `SSH2_KEEPALIVE_OFF` keeps its timer from running at all.
    protocol.ping = hooks.ping;
    if (internals.authenticated) this.#onAuthenticated();
    else internals.on("ready", hooks.onReady);
  }

  /**
   * Removes every liveness hook and stops the monitors; the connection stays up, and its processes stay
   * supervised until it closes. Idempotent.
   */
  detach(): void {
    this.#dispose();
    this.#events?.clear();
  }

  #dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#monitor?.stop();
    this.#channels?.dispose();
    const socket = this.#socket;
    socket.removeListener("data", hooks.onData);
    if (this.#previousWrite !== undefined && socket.write === (hooks.write as Write)) {
      if (this.#previousWrite === Object.getPrototypeOf(socket).write) delete (socket as { write?: Write }).write;
      else socket.write = this.#previousWrite;
    }
    const protocol = this.#protocol;
    const previous = this.#previous;
    if (protocol === undefined || previous === undefined) return;
    const handlers = protocol._handlers as Record<string, unknown>;
    const previousHandlers = previous.handlers as Record<string, unknown>;
    for (const name of HOOKED) {
      if (handlers[name] === hooks.handlers[name]) handlers[name] = previousHandlers[name];
    }
    const channel = this.#previousChannel;
    if (channel !== undefined) {
      const channelHandlers = channel.handlers as Record<string, unknown>;
      for (const name of CHANNEL_HANDLERS) {
        if (name in channelHandlers && handlers[name] === hooks.channelHandlers[name]) {
          handlers[name] = channelHandlers[name];
        }
      }
      for (const name of CHANNEL_METHODS) {
        if (protocol[name] !== hooks.channelMethods[name]) continue;
        const own = channel.methods[name];
        if (own === undefined) delete (protocol as Partial<Ssh2Protocol>)[name];
        else (protocol as unknown as Record<string, unknown>)[name] = own;
      }
      channel.opening.clear();
    }
    if (protocol._onPacket === previous.markInbound) protocol._onPacket = previous.onPacket;
    if (protocol.ping === hooks.ping) delete (protocol as { ping?: () => void }).ping;
    this.#internals?.removeListener("ready", hooks.onReady);
  }

  /** @throws {OptionsRefused} when a per-connection options function throws or answers with invalid options. */
  #resolve(): ResolvedServerOptions {
    return resolveFor(this.#input, this.#info);
  }

  #startMonitor(options: MonitorOptions): void {
    this.#monitor?.stop();
    const monitor = new LivenessMonitor(new Transport(this), options);
    this.#monitor = monitor;
    monitor.on("expire", (error) => this.#expired(error));
    for (const [bit, event] of FORWARDED) {
      if ((this.#forwarded & bit) !== 0 || this.#owner?.wants(event) === true) {
        this.#forwarded |= bit;
        this.#subscribe(monitor, bit);
      }
    }
    monitor.start();
  }

  #subscribe(monitor: LivenessMonitor, bit: number): void {
    if (bit === 1) {
      monitor.on("probe", ({ unanswered }) =>
        this.#emit("probe", { unanswered, via: this.#lastProbeOnChannel ? "channel" : "global" }),
      );
    } else if (bit === 2) monitor.on("reply", (payload) => this.#emit("reply", payload));
    else monitor.on("heartbeat", () => this.#emit("heartbeat", undefined));
  }

  /** The hooks, shared by every connection; each finds its connection through `OWNER`. */
  static {
    // A hook is installed only after its connection is set on the protocol, which is never unset.
    const ownerOf = (p: Ssh2Protocol): ConnectionLiveness => (p as Owned<Ssh2Protocol>)[OWNER] as ConnectionLiveness;
    const globalReply = (self: ConnectionLiveness): boolean => {
      if (self.#globalProbes === 0) return false;
      self.#globalProbes--;
      self.#monitor?.markReply();
      return true;
    };
    const prototypeMethod = <K extends keyof ChannelMethods>(protocol: object, name: K): ChannelMethods[K] =>
      (Object.getPrototypeOf(protocol) as ChannelMethods)[name];
    hooks = {
      handlers: {
        // Replies to our global probes: ssh2's server installs no handler and would drop them.
        REQUEST_SUCCESS: (p, data) => {
          const self = ownerOf(p);
          if (!globalReply(self)) self.#previous?.handlers.REQUEST_SUCCESS?.(p, data);
        },
        REQUEST_FAILURE: (p) => {
          const self = ownerOf(p);
          if (!globalReply(self)) self.#previous?.handlers.REQUEST_FAILURE?.(p);
        },
        // Replies to channel probes share the channel's reply order with ssh2's own requests on it.
        CHANNEL_SUCCESS: (p, recipient) => {
          const self = ownerOf(p);
          if (!self.#channelReply(recipient)) {
            self.#previous?.handlers.CHANNEL_SUCCESS?.(p, recipient);
          }
        },
        CHANNEL_FAILURE: (p, recipient) => {
          const self = ownerOf(p);
          if (!self.#channelReply(recipient)) {
            self.#previous?.handlers.CHANNEL_FAILURE?.(p, recipient);
          }
        },
        CHANNEL_REQUEST: (p, recipient, type, wantReply, data) => {
          ownerOf(p).#onChannelRequest(p, recipient, type, wantReply, data);
        },
        CHANNEL_CLOSE: (p, recipient) => {
          const self = ownerOf(p);
          self.#channelProbes?.delete(recipient);
          self.#previous?.handlers.CHANNEL_CLOSE?.(p, recipient);
          self.#channels?.close(recipient);
        },
        USERAUTH_REQUEST: (p, username, ...rest) => {
          const self = ownerOf(p);
          self.#lastUser = username;
          self.#previous?.handlers.USERAUTH_REQUEST?.(p, username, ...rest);
        },
      },
      channelHandlers: {
        CHANNEL_OPEN: (p, info) => {
          const channel = ownerOf(p).#previousChannel;
          if (channel === undefined) return;
          // Accepted later through channelOpenConfirm, or rejected: bounded either way.
          if (channel.opening.size > 64) channel.opening.clear();
          channel.opening.set(info.sender, info.type);
          channel.handlers.CHANNEL_OPEN?.(p, info);
        },
        CHANNEL_OPEN_CONFIRMATION: (p, info) => {
          const self = ownerOf(p);
          self.#previousChannel?.handlers.CHANNEL_OPEN_CONFIRMATION?.(p, info);
          const internals = self.#internals;
          const channel = internals === undefined ? undefined : channelAt(internals, info.recipient);
          if (channel?.type !== undefined) {
            self.#channels?.open(info.recipient, info.sender, channel.type);
          }
        },
        CHANNEL_DATA: (p, recipient, data) => {
          const self = ownerOf(p);
          self.#channels?.inbound(recipient);
          self.#previousChannel?.handlers.CHANNEL_DATA?.(p, recipient, data);
        },
        CHANNEL_EXTENDED_DATA: (p, recipient, data, type) => {
          const self = ownerOf(p);
          self.#channels?.inbound(recipient);
          self.#previousChannel?.handlers.CHANNEL_EXTENDED_DATA?.(p, recipient, data, type);
        },
      },
      channelMethods: {
        channelOpenConfirm(this: Ssh2Protocol, remote, local, window, packetSize) {
          const self = ownerOf(this);
          const channel = self.#previousChannel;
          const original = channel?.methods.channelOpenConfirm ?? prototypeMethod(this, "channelOpenConfirm");
          original.call(this, remote, local, window, packetSize);
          if (channel === undefined) return;
          const type = channel.opening.get(remote) ?? "session";
          channel.opening.delete(remote);
          self.#channels?.open(local, remote, type);
        },
        channelData(this: Ssh2Protocol, id, data) {
          const self = ownerOf(this);
          self.#channels?.outbound(id);
          (self.#previousChannel?.methods.channelData ?? prototypeMethod(this, "channelData")).call(this, id, data);
        },
        channelExtData(this: Ssh2Protocol, id, data, type) {
          const self = ownerOf(this);
          self.#channels?.outbound(id);
          const original = self.#previousChannel?.methods.channelExtData ?? prototypeMethod(this, "channelExtData");
          original.call(this, id, data, type);
        },
      },
      ping(this: Ssh2Protocol) {
        ownerOf(this).#previous?.onPacket();
      },
      onData(this: Owned<Socket>) {
        const self = this[OWNER];
        if (self === undefined) return;
        const protocol = self.#protocol;
        // Bytes prove the client alive before they make a whole packet, as sshd's poll wakes on any byte: a 32 KiB
        // packet crawling in over a throttled upload is not silence. During a key exchange packets skip
        // `_onPacket` (kex.js:498-506), so there the bytes also count as activity: a slow rekey is never silence.
        self.#monitor?.markInbound(protocol !== undefined && !inKeyExchange(protocol));
      },
      onClose(this: Owned<Socket>) {
        const self = this[OWNER];
        if (self !== undefined) void self.#closed();
      },
      write(this: Owned<Socket>, ...args: Parameters<Write>): boolean {
        const self = this[OWNER] as ConnectionLiveness;
        self.#monitor?.markOutbound();
        const write = self.#previousWrite ?? (Object.getPrototypeOf(this) as Socket).write;
        return (write as (...args: Parameters<Write>) => boolean).apply(this, args);
      },
      onReady(this: ConnectionEmitter) {
        this.removeListener("ready", hooks.onReady);
        ownerOf(this._protocol).#onAuthenticated();
      },
      send(connection, probe) {
        connection.#send(probe);
      },
    };
  }

  /** Whether a CHANNEL_SUCCESS/FAILURE on our channel `recipient` answers one of our probes. */
  #channelReply(recipient: number): boolean {
    const pending = this.#channelProbes?.get(recipient);
    if (pending === undefined || pending.length === 0) return false;
    if (pending[0] === 0) {
      pending.shift();
      if (pending.length === 0) this.#channelProbes?.delete(recipient);
      this.#monitor?.markReply();
      return true;
    }
    // An earlier request of ssh2's own is answered: every probe waits for one reply fewer.
    for (let i = 0; i < pending.length; i++) pending[i] = (pending[i] as number) - 1;
    return false;
  }

  /**
   * ssh2 answers a want-reply request on a session only before the session starts and before the client ends it:
   * afterwards its accept/reject do nothing (server.js:829-1013), so a request such as a `keepalive@openssh.com`
   * channel probe on a running command goes unanswered and the client eventually gives up. tsalive answers those
   * with CHANNEL_FAILURE, as sshd does for requests it does not handle.
   */
  #onChannelRequest(p: Ssh2Protocol, recipient: number, type: string, wantReply: boolean, data: unknown): void {
    const previous = this.#previous?.handlers.CHANNEL_REQUEST;
    const internals = this.#internals as ConnectionEmitter;
    const channel = channelAt(internals, recipient);
    const label = labelOfSessionRequest(type, data);
    if (label !== undefined) this.#channels?.relabel(recipient, label);
    if (!wantReply || channel === undefined || !isSession(channel)) {
      if (wantReply && channel === undefined) this.#unanswerable++;
      previous?.(p, recipient, type, wantReply, data);
      return;
    }
    const state = channel._ending === true ? "ending" : channel._channel !== undefined ? "started" : undefined;
    previous?.(p, recipient, type, wantReply, data);
    if (state === undefined) return;
    const sides = sidesOf(channel);
    // After our CHANNEL_CLOSE nothing more may be sent on the channel (RFC 4254 §5.3); our close answers for it.
    if (sides === undefined || (sides.outgoing.state !== "open" && sides.outgoing.state !== "eof")) return;
    p.channelFailure(sides.outgoing.id);
    this.#answered++;
    this.#emit("answer", { channel: recipient, type, state });
  }

  /**
   * Sends a probe or a heartbeat unless the socket is done: between the socket's 'end' and its 'close' ssh2 has
   * already torn the protocol down (Protocol.js:288-307) and any send throws; the 'close' that follows stops the
   * monitor.
   */
  #send(probe: boolean): void {
    const socket = this.#socket;
    const protocol = this.#protocol;
    if (protocol === undefined || socket.destroyed || !socket.writable) return;
    try {
      if (probe) this.#sendProbe(protocol);
      else sendIgnore(protocol);
    } catch (error) {
      if (socket.destroyed || !socket.writable) return;
      throw error;
    }
  }

  /** ClientAlive as sshd sends it (serverloop.c): on the first open channel when there is one, else global. */
  #sendProbe(protocol: Ssh2Protocol): void {
    const internals = this.#internals as ConnectionEmitter;
    const open = firstOpenChannel(internals);
    if (open === undefined) {
      this.#lastProbeOnChannel = false;
      this.#globalProbes++;
      sendGlobalKeepalive(protocol);
      return;
    }
    this.#lastProbeOnChannel = true;
    this.#channelProbes ??= new Map();
    const pending = this.#channelProbes.get(open.local);
    const ahead = channelCallbacks(open.channel);
    if (pending === undefined) this.#channelProbes.set(open.local, [ahead]);
    else pending.push(ahead);
    sendChannelKeepalive(protocol, open.remote);
  }

  #onAuthenticated(): void {
    if (this.#authenticated || this.#disposed) return;
    this.#authenticated = true;
    this.#info = { ...this.#info, user: this.#lastUser };
    if (typeof this.#input === "function") {
      try {
        this.#options = this.#resolve();
      } catch (error) {
        if (!(error instanceof OptionsRefused)) throw error;
        // This one connection goes; the server keeps serving.
        const refusal: Refusal = { info: this.#info, phase: "authenticated", reason: error.reason, error: error.error };
        if (this.#owner === undefined) logRefusal(refusal);
        else this.#owner.refused(refusal);
        this.#socket.destroy();
        return;
      }
    }
    const options = this.#options;
    // A fresh monitor rather than reconfigure(): the client's last packet arrived just now (its USERAUTH_REQUEST),
    // and a new monitor shares the resolved options of every other connection instead of holding its own copy.
    if (options.afterAuth === undefined) {
      this.#monitor?.stop();
      this.#monitor = undefined;
    } else {
      this.#startMonitor(options.afterAuth);
    }
    if (options.afterAuth?.heartbeat !== undefined) this.#markWrites();
    if (options.unusedConnectionTimeout !== undefined || options.channelTimeout.length > 0) this.#trackChannels();
    this.#emit("authenticated", this.#info);
  }

  /** Every write to the socket is outbound activity for the heartbeat: a clock read, no timer reset. */
  #markWrites(): void {
    const socket = this.#socket;
    this.#previousWrite = socket.write;
    socket.write = hooks.write as Write;
  }

  /**
   * Channels are counted from our open confirmations (channels the client opened) and the client's confirmations
   * (channels we opened) to the client's CHANNEL_CLOSE; data either way marks a channel's ChannelTimeout monitor.
   */
  #trackChannels(): void {
    const protocol = this.#protocol as Ssh2Protocol;
    const options = this.#options;
    this.#channels = new ChannelRegistry({
      channelTimeout: options.channelTimeout,
      unusedConnectionTimeout: options.unusedConnectionTimeout,
      common: options.common,
      channelTimedOut: (record) => this.#channelTimedOut(record),
      unused: () => this.#fail("UNUSED_CONNECTION_TIMEOUT", undefined),
    });
    const timeouts = options.channelTimeout.length > 0;
    const handlers = protocol._handlers as Record<string, unknown>;
    const previousHandlers: Record<string, unknown> = {};
    for (const name of timeouts ? CHANNEL_HANDLERS : CHANNEL_HANDLERS.slice(0, 2)) {
      previousHandlers[name] = handlers[name];
      handlers[name] = hooks.channelHandlers[name];
    }
    const methods = protocol as unknown as Record<string, unknown>;
    const previousMethods: Record<string, unknown> = {};
    for (const name of timeouts ? CHANNEL_METHODS : CHANNEL_METHODS.slice(0, 1)) {
      if (Object.hasOwn(protocol, name)) previousMethods[name] = methods[name];
      methods[name] = hooks.channelMethods[name];
    }
    this.#previousChannel = {
      handlers: previousHandlers as ChannelHandlers,
      methods: previousMethods as Partial<ChannelMethods>,
      opening: new Map(),
    };
  }

  /** ChannelTimeout: close the channel as sshd does; its processes are stopped when the channel closes. */
  #channelTimedOut(record: ChannelRecord): void {
    const internals = this.#internals;
    const protocol = this.#protocol;
    if (internals === undefined || protocol === undefined) return;
    const channel = channelAt(internals, record.local);
    record.monitor?.stop();
    record.monitor = undefined;
    this.#emit("channel-timeout", { channel: record.local, label: record.label });
    const target = channel?._channel ?? channel;
    if (target?.close !== undefined) {
      target.close();
      return;
    }
    const sides = channel === undefined ? undefined : sidesOf(channel);
    if (sides !== undefined && (sides.outgoing.state === "open" || sides.outgoing.state === "eof")) {
      sides.outgoing.state = "closing";
      protocol.channelClose(sides.outgoing.id);
    }
  }

  #expired(error: LivenessError): void {
    if (error.code === "WATCHDOG_EXPIRED") {
      void this.#watchdogExpired(error);
      return;
    }
    this.#fail(error.code === "REPLY_TIMEOUT" ? "REPLY_TIMEOUT" : "ALIVE_TIMEOUT", error);
  }

  /** The watchdog stops every process of the connection first (the point of the 2001 patch), then closes it. */
  async #watchdogExpired(error: LivenessError): Promise<void> {
    if (this.#ending) return;
    this.#ending = true;
    const timeout = new ServerTimeoutError("WATCHDOG_EXPIRED", this.#info, { cause: error });
    this.#emit("timeout", timeout);
    try {
      const stopped = (await this.#supervisor?.stopAll()) ?? [];
      this.#noteStopped(stopped);
      this.#emit("watchdog", { error: timeout, stopped });
    } finally {
      this.#destroy(timeout);
    }
  }

  /** Reports, then destroys the socket at once: the peer may read nothing, so `end()` would wait forever. */
  #fail(code: ServerTimeoutCode, cause: LivenessError | undefined): void {
    if (this.#ending) return;
    this.#ending = true;
    const error = new ServerTimeoutError(code, this.#info, cause === undefined ? undefined : { cause });
    this.#emit("timeout", error);
    this.#destroy(error);
  }

  #destroy(error: ServerTimeoutError): void {
    const internals = this.#internals;
    // As ssh2's own keepalive reports: 'error' with level 'client-timeout', then 'close'. Only when someone listens:
    // an 'error' nobody handles would throw.
    if (internals !== undefined && internals.listenerCount("error") > 0) internals.emit("error", error);
    this.#socket.destroy();
  }

  async #closed(): Promise<void> {
    this.#ending = true;
    this.#dispose();
    try {
      // A supervisor asked for after the close starts closed and stops what it is given at once.
      this.#noteStopped(await this.supervisor.stopAll());
    } finally {
      this.#owner?.closed(this);
      this.#emit("close", { stopped: [...(this.#stopped ?? [])] });
      this.#events?.clear();
    }
  }

  /** A close during the watchdog's stop awaits the same run: each process is reported once. */
  #noteStopped(stopped: readonly StoppedProcess[]): void {
    if (stopped.length === 0) return;
    this.#stopped ??= new Set();
    for (const process of stopped) this.#stopped.add(process);
  }

  #emit<K extends keyof ConnectionLivenessEvents>(event: K, payload: ConnectionLivenessEvents[K]): void {
    this.#events?.emit(event, payload);
    this.#owner?.emit(this, event, payload);
  }
}

/** The monitor's transport: one small object per connection instead of two closures. */
class Transport {
  readonly #connection: ConnectionLiveness;
  constructor(connection: ConnectionLiveness) {
    this.#connection = connection;
  }
  sendProbe(): void {
    hooks.send(this.#connection, true);
  }
  sendHeartbeat(): void {
    hooks.send(this.#connection, false);
  }
}
