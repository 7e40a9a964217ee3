import type { Socket } from "node:net";
import { type LivenessError, LivenessMonitor, type MonitorOptions, type MonitorStats } from "@tsalive/core";
import type { Connection } from "ssh2";
import { type ChannelRecord, ChannelRegistry } from "./_channels.ts";
import { Emitter, type Listener } from "./_emitter.ts";
import { labelOfChannelType, labelOfSessionRequest } from "./_pattern.ts";
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
import { type ServerTimeoutCode, ServerTimeoutError } from "./errors.ts";
import {
  type ConnectionInfo,
  type ResolvedServerOptions,
  resolveServerOptions,
  type ServerOptions,
  type ServerOptionsInput,
} from "./options.ts";
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
   * processes are stopped next, then the socket is destroyed; otherwise the socket is destroyed at once.
   */
  timeout: ServerTimeoutError;
  /** ChannelTimeout closed a channel. */
  "channel-timeout": { readonly channel: number; readonly label: string };
  /** tsalive answered a want-reply channel request that ssh2 would have left unanswered. */
  answer: AnsweredRequest;
  /** The socket closed and every process of the connection was stopped. */
  close: undefined;
}

/** A snapshot from {@linkcode ConnectionLiveness.stats}. */
export interface ConnectionLivenessStats {
  readonly info: ConnectionInfo;
  readonly authenticated: boolean;
  /** Channels open now (tracked when `unusedConnectionTimeout` or `channelTimeout` is set, else `undefined`). */
  readonly openChannels: number | undefined;
  /** Processes the supervisor tracks now. */
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
}

type Write = Socket["write"];
type ConnectionEmitter = Ssh2ConnectionInternals & {
  once(event: "ready", listener: () => void): unknown;
  removeListener(event: "ready", listener: () => void): unknown;
  listenerCount(event: string): number;
  emit(event: "error", error: Error): boolean;
};

/**
 * tsalive on one connection of an ssh2 server: ClientAlive, Heartbeat, Watchdog, UnusedConnectionTimeout,
 * ChannelTimeout, answers to every want-reply channel request, and the {@linkcode ProcessSupervisor} of the
 * processes the connection starts. Get it from `attach(server).of(connection)` or `attachConnection(connection)`.
 *
 * @example
 * ```ts no-run
 * server.on("connection", (connection) => {
 *   const liveness = serverLiveness.of(connection);
 *   liveness?.on("timeout", (error) => console.log(error.message)); // Timeout, client not responding from …
 * });
 * ```
 */
export class ConnectionLiveness {
  /** The processes this connection started; stopped on watchdog expiry and when the connection closes. */
  readonly supervisor: ProcessSupervisor;
  readonly #socket: Socket;
  readonly #owner: ConnectionOwner | undefined;
  readonly #input: ServerOptionsInput;
  readonly #events = new Emitter<ConnectionLivenessEvents>();
  readonly #undo: (() => void)[] = [];
  #info: ConnectionInfo;
  #options: ResolvedServerOptions;
  #internals: ConnectionEmitter | undefined;
  #protocol: Ssh2Protocol | undefined;
  #monitor: LivenessMonitor | undefined;
  #channels: ChannelRegistry | undefined;
  /** Channel-request probes awaiting a reply, by our channel id: per probe, how many ssh2 replies are due first. */
  #channelProbes: Map<number, number[]> | undefined;
  #globalProbes = 0;
  /** Whether the latest probe went as a channel request. */
  #lastProbeOnChannel = false;
  /** ssh2's own `_onPacket` at adoption time: the built-in keepalive's reset, or a noop. */
  #originalOnPacket: (() => void) | undefined;
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
    this.supervisor = new ProcessSupervisor({ killGrace: this.#options.killGrace });
    if (this.#options.tcpKeepAlive) socket.setKeepAlive(true);
    if (this.#options.beforeAuth !== undefined) this.#startMonitor(this.#options.beforeAuth);
    this.#watchSocket();
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
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode ConnectionLiveness.on}. */
  off<K extends keyof ConnectionLivenessEvents>(event: K, listener: Listener<ConnectionLivenessEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /** Listeners subscribed to this handle, over all events (for leak checks). */
  listenerCount(): number {
    return this.#events.listenerCount();
  }

  /** Counters and the monitor's statistics. */
  stats(): ConnectionLivenessStats {
    return {
      info: this.#info,
      authenticated: this.#authenticated,
      openChannels: this.#channels?.size,
      processes: this.supervisor.size,
      answeredRequests: this.#answered,
      unanswerableRequests: this.#unanswerable,
      monitor: this.#monitor?.stats(),
    };
  }

  /**
   * Hooks into the ssh2 Connection of this socket; called by the server handle on ssh2's 'connection' event.
   *
   * @throws {Ssh2CompatibilityError} when this ssh2 lacks an internal the adapter needs.
   */
  adopt(connection: Connection): void {
    if (this.#internals !== undefined || this.#disposed) return;
    const internals = checkConnection(connection) as ConnectionEmitter;
    this.#internals = internals;
    this.#protocol = internals._protocol;
    this.#markPackets();
    this.#replaceBuiltInKeepalive();
    this.#installHandlers();
    if (internals.authenticated) this.#onAuthenticated();
    else {
      const onReady = (): void => this.#onAuthenticated();
      internals.once("ready", onReady);
      this.#undo.push(() => internals.removeListener("ready", onReady));
    }
  }

  /**
   * Removes every liveness hook and stops the monitors; the connection stays up, and its processes stay
   * supervised until it closes. Idempotent.
   */
  detach(): void {
    this.#dispose();
    this.#events.clear();
  }

  #dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#monitor?.stop();
    this.#channels?.dispose();
    for (const undo of this.#undo.splice(0).reverse()) undo();
  }

  #resolve(): ResolvedServerOptions {
    const input = this.#input;
    return resolveServerOptions(typeof input === "function" ? input(this.#info) : input);
  }

  #startMonitor(options: MonitorOptions): void {
    const monitor = new LivenessMonitor(
      {
        sendProbe: () => this.#send(() => this.#sendProbe()),
        sendHeartbeat: () =>
          this.#send(() => {
            if (this.#protocol !== undefined) sendIgnore(this.#protocol);
          }),
      },
      options,
    );
    this.#monitor = monitor;
    monitor.on("expire", (error) => this.#expired(error));
    monitor.on("probe", ({ unanswered }) =>
      this.#emit("probe", { unanswered, via: this.#lastProbeOnChannel ? "channel" : "global" }),
    );
    monitor.on("reply", (payload) => this.#emit("reply", payload));
    monitor.on("heartbeat", () => this.#emit("heartbeat", undefined));
    monitor.start();
  }

  /**
   * Raw bytes are inbound activity until ssh2 parses packets (the identification line, a client that stalls
   * before it) and during key exchanges, when decrypted packets skip `_onPacket` (kex.js:498-506): a slow rekey
   * is never silence. The socket's close stops everything.
   */
  #watchSocket(): void {
    const socket = this.#socket;
    const onData = (): void => {
      const protocol = this.#protocol;
      if (protocol === undefined || inKeyExchange(protocol)) this.#monitor?.markInbound();
    };
    const onClose = (): void => {
      void this.#closed();
    };
    socket.on("data", onData);
    // The close listener stays on detach: the supervisor still stops the processes when the connection ends.
    socket.once("close", onClose);
    this.#undo.push(() => socket.removeListener("data", onData));
  }

  /** Every decrypted packet outside a key exchange passes `_onPacket` (Protocol.js:2031-2034). */
  #markPackets(): void {
    const protocol = this.#protocol as Ssh2Protocol;
    const previous = protocol._onPacket;
    this.#originalOnPacket = previous;
    const onPacket = (): void => {
      this.#monitor?.markInbound();
      previous();
    };
    protocol._onPacket = onPacket;
    this.#undo.push(() => {
      if (protocol._onPacket === onPacket) protocol._onPacket = previous;
    });
  }

  /**
   * ssh2's server keepalive (server.js:394-475, on by default, 15 s × 3) pings with `proto.ping()` from a
   * setInterval and gives up with `end()`, which waits forever on a dead peer. Its timer cannot be reached, so while
   * attached its pings are swallowed and each one resets its counter instead (through the `_onPacket` ssh2 passed,
   * which is that reset): it never probes and never ends the connection. Construct the Server with
   * `keepaliveInterval: 2 ** 31 - 1` to keep its timer from running at all.
   */
  #replaceBuiltInKeepalive(): void {
    const protocol = this.#protocol as Ssh2Protocol;
    const reset = this.#originalOnPacket;
    const ping = (): void => {
      reset?.();
    };
    protocol.ping = ping;
    this.#undo.push(() => {
      if (protocol.ping === ping) delete (protocol as { ping?: () => void }).ping;
    });
  }

  #installHandlers(): void {
    const protocol = this.#protocol as Ssh2Protocol;
    const handlers: MessageHandlers = protocol._handlers;
    const wrap = <K extends keyof MessageHandlers>(
      name: K,
      make: (previous: MessageHandlers[K]) => MessageHandlers[K],
    ) => {
      const previous = handlers[name];
      const installed = make(previous);
      handlers[name] = installed;
      this.#undo.push(() => {
        if (handlers[name] === installed) handlers[name] = previous;
      });
    };

    // Replies to our global probes: ssh2's server installs no handler and would drop them.
    wrap("REQUEST_SUCCESS", (previous) => (p, data) => {
      if (this.#globalProbes > 0) {
        this.#globalProbes--;
        this.#monitor?.markReply();
      } else previous?.(p, data);
    });
    wrap("REQUEST_FAILURE", (previous) => (p) => {
      if (this.#globalProbes > 0) {
        this.#globalProbes--;
        this.#monitor?.markReply();
      } else previous?.(p);
    });
    // Replies to channel probes share the channel's reply order with ssh2's own requests on it.
    wrap("CHANNEL_SUCCESS", (previous) => (p, recipient) => {
      if (!this.#channelReply(recipient)) previous?.(p, recipient);
    });
    wrap("CHANNEL_FAILURE", (previous) => (p, recipient) => {
      if (!this.#channelReply(recipient)) previous?.(p, recipient);
    });
    wrap(
      "CHANNEL_REQUEST",
      (previous) => (p, recipient, type, wantReply, data) =>
        this.#onChannelRequest(previous, p, recipient, type, wantReply, data),
    );
    wrap("CHANNEL_CLOSE", (previous) => (p, recipient) => {
      this.#channelProbes?.delete(recipient);
      previous?.(p, recipient);
      this.#channels?.close(recipient);
    });
    wrap("USERAUTH_REQUEST", (previous) => (p, username, ...rest) => {
      this.#lastUser = username;
      previous?.(p, username, ...rest);
    });
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
   * afterwards its accept/reject do nothing (server.js:829-1013), so requests such as Dropbear's
   * `keepalive@openssh.com` channel probes on a running shell go unanswered and the client eventually gives up.
   * tsalive answers those with CHANNEL_FAILURE, as sshd does for requests it does not handle.
   */
  #onChannelRequest(
    previous: MessageHandlers["CHANNEL_REQUEST"],
    p: Ssh2Protocol,
    recipient: number,
    type: string,
    wantReply: boolean,
    data: unknown,
  ): void {
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
   * Runs a send unless the socket is done: between the socket's 'end' and its 'close' ssh2 has already torn the
   * protocol down (Protocol.js:288-307) and any send throws; the 'close' that follows stops the monitor.
   */
  #send(send: () => void): void {
    if (this.#socket.destroyed || !this.#socket.writable) return;
    try {
      send();
    } catch (error) {
      if (this.#socket.destroyed || !this.#socket.writable) return;
      throw error;
    }
  }

  /** ClientAlive as sshd sends it (serverloop.c): on the first open channel when there is one, else global. */
  #sendProbe(): void {
    const protocol = this.#protocol;
    const internals = this.#internals;
    if (protocol === undefined || internals === undefined) return;
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
    if (typeof this.#input === "function") this.#options = this.#resolve();
    const options = this.#options;
    if (options.afterAuth === undefined) {
      this.#monitor?.stop();
      this.#monitor = undefined;
    } else if (this.#monitor === undefined) {
      this.#startMonitor(options.afterAuth);
    } else {
      this.#monitor.reconfigure(options.afterAuth);
    }
    if (options.afterAuth?.heartbeat !== undefined) this.#markWrites();
    if (options.unusedConnectionTimeout !== undefined || options.channelTimeout.length > 0) this.#trackChannels();
    this.#emit("authenticated", this.#info);
  }

  /** Every write to the socket is outbound activity for the heartbeat: a clock read, no timer reset. */
  #markWrites(): void {
    const socket = this.#socket;
    const own = Object.hasOwn(socket, "write");
    const previous = socket.write;
    const write = ((...args: Parameters<Write>): boolean => {
      this.#monitor?.markOutbound();
      return (previous as (...args: Parameters<Write>) => boolean).apply(socket, args);
    }) as Write;
    socket.write = write;
    this.#undo.push(() => {
      if (socket.write !== write) return;
      if (own) socket.write = previous;
      else delete (socket as { write?: Write }).write;
    });
  }

  /**
   * Channels are counted from our open confirmations (channels the client opened) and the client's confirmations
   * (channels we opened) to the client's CHANNEL_CLOSE; data either way marks a channel's ChannelTimeout monitor.
   */
  #trackChannels(): void {
    const internals = this.#internals as ConnectionEmitter;
    const protocol = this.#protocol as Ssh2Protocol;
    const options = this.#options;
    const registry = new ChannelRegistry({
      channelTimeout: options.channelTimeout,
      unusedConnectionTimeout: options.unusedConnectionTimeout,
      clock: options.source.clock,
      timers: options.source.timers,
      channelTimedOut: (record) => this.#channelTimedOut(record),
      unused: () => this.#fail("UNUSED_CONNECTION_TIMEOUT", undefined),
    });
    this.#channels = registry;
    const handlers: MessageHandlers = protocol._handlers;
    /** Channel types of client opens awaiting our confirmation, by the client's channel id. */
    const opening = new Map<number, string>();
    const restore: (() => void)[] = [];
    const wrapHandler = <K extends keyof MessageHandlers>(name: K, installed: MessageHandlers[K]) => {
      const previous = handlers[name];
      handlers[name] = installed;
      restore.push(() => {
        if (handlers[name] === installed) handlers[name] = previous;
      });
      return previous;
    };
    const wrapMethod = <K extends "channelOpenConfirm" | "channelData" | "channelExtData">(
      name: K,
      make: (previous: Ssh2Protocol[K]) => Ssh2Protocol[K],
    ) => {
      const previous = protocol[name];
      const installed = make(previous);
      protocol[name] = installed;
      restore.push(() => {
        if (protocol[name] === installed) delete (protocol as Partial<Ssh2Protocol>)[name];
      });
    };

    const previousOpen = wrapHandler("CHANNEL_OPEN", (p, info) => {
      // Accepted later through channelOpenConfirm, or rejected (then the entry is dropped with the next open).
      if (opening.size > 64) opening.clear();
      opening.set(info.sender, info.type);
      previousOpen?.(p, info);
    });
    wrapMethod("channelOpenConfirm", (previous) => (remote, local, window, packetSize) => {
      previous.call(protocol, remote, local, window, packetSize);
      const type = opening.get(remote) ?? "session";
      opening.delete(remote);
      registry.open(local, remote, labelOfChannelType(type));
    });
    const previousConfirmation = wrapHandler("CHANNEL_OPEN_CONFIRMATION", (p, info) => {
      previousConfirmation?.(p, info);
      const channel = channelAt(internals, info.recipient);
      if (channel?.type !== undefined) registry.open(info.recipient, info.sender, labelOfChannelType(channel.type));
    });
    if (options.channelTimeout.length > 0) {
      const previousData = wrapHandler("CHANNEL_DATA", (p, recipient, data) => {
        registry.inbound(recipient);
        previousData?.(p, recipient, data);
      });
      const previousExtData = wrapHandler("CHANNEL_EXTENDED_DATA", (p, recipient, data, type) => {
        registry.inbound(recipient);
        previousExtData?.(p, recipient, data, type);
      });
      wrapMethod("channelData", (previous) => (channel, data) => {
        registry.outbound(channel);
        previous.call(protocol, channel, data);
      });
      wrapMethod("channelExtData", (previous) => (channel, data, type) => {
        registry.outbound(channel);
        previous.call(protocol, channel, data, type);
      });
    }
    this.#undo.push(() => {
      for (const undo of restore.reverse()) undo();
      opening.clear();
    });
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
      await this.supervisor.stopAll();
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
      await this.supervisor.stopAll();
    } finally {
      this.#owner?.closed(this);
      this.#emit("close", undefined);
      this.#events.clear();
    }
  }

  #emit<K extends keyof ConnectionLivenessEvents>(event: K, payload: ConnectionLivenessEvents[K]): void {
    this.#events.emit(event, payload);
    this.#owner?.emit(this, event, payload);
  }
}
