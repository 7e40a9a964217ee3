import type { Socket } from "node:net";
import { type LivenessError, LivenessMonitor, type MonitorOptions, systemTimers, type Timers } from "@tsalive/core";
import {
  bindState,
  hook,
  markPackets,
  markParsed,
  markWrites,
  sendIgnore,
  sendPing,
  type Undo,
  usePing,
} from "@tsalive/ssh2-layer";
import { holdIdentification, type IdentificationState } from "./_identification.ts";
import {
  checkConnection,
  type GlobalReplyCallback,
  type MessageHandlers,
  type Ssh2ClientInternals,
  type Ssh2Protocol,
} from "./_ssh2_internals.ts";
import { type AnsweredRequest, answerWantReplies } from "./_want_reply.ts";
import { ClientTimeoutError } from "./errors.ts";

/** What a {@linkcode Connection} reports to the handle that owns it. */
export interface ConnectionOwner {
  /** Monitor settings, `undefined` when neither probe nor heartbeat is on; one object shared by every connection. */
  readonly monitorOptions: MonitorOptions | undefined;
  readonly tcpKeepAlive: boolean;
  /** Whether probes are PINGs where the server advertises `ping@openssh.com`. */
  readonly ping: boolean;
  readonly connectTimeout: number | undefined;
  readonly timers: Timers | undefined;
  /** The server's name for messages. */
  host(): string;
  /** The user authenticated; `monitor` is this connection's, not started yet (`undefined` when none is needed). */
  authenticated(monitor: LivenessMonitor | undefined): void;
  timedOut(error: ClientTimeoutError): void;
  answered(request: AnsweredRequest): void;
  unanswerable(): void;
  closed(connection: Connection): void;
}

/**
 * The hooks tsalive installs on one ssh2 connection (one `connect()` of a Client): activity marks, the monitor,
 * want-reply answers, TCPKeepAlive and ConnectTimeout. `dispose()` removes every one of them; it runs on the
 * socket's 'close' and on `detach()`.
 */
export class Connection implements IdentificationState {
  readonly protocol: Ssh2Protocol;
  readonly socket: Socket;
  monitor: LivenessMonitor | undefined;
  /** Whether the server's EXT_INFO listed `ping@openssh.com` (set by the layer's ping hook). */
  peerPings = false;
  /** PINGs awaiting their PONG; `undefined` unless `probeKind` is `ping@openssh.com`. */
  pings: number | undefined;
  /** Whether the server's identification line passed the hold (`_identification.ts`). */
  identified: boolean;
  /** ssh2's `_onPacket` and ours (the layer's packet marking keeps them here). */
  ssh2OnPacket: (() => void) | undefined;
  onPacket: (() => void) | undefined;
  readonly #owner: ConnectionOwner;
  readonly #internals: Ssh2ClientInternals;
  readonly #ping: () => void;
  readonly #undo: Undo[] = [];
  #connectTimer: unknown;
  /** Set when a probe goes out and the monitor must be re-armed by the next inbound packet (see `#inbound`). */
  #authenticated = false;
  #disposed = false;

  constructor(owner: ConnectionOwner, internals: Ssh2ClientInternals, options: { readonly fresh: boolean }) {
    const { protocol, socket } = checkConnection(internals);
    this.#owner = owner;
    this.#internals = internals;
    this.protocol = protocol;
    this.socket = socket;
    this.#ping = protocol.ping;
    // Activity marking is the shared layer's: its socket and protocol hooks find this connection (protocol,
    // monitor) there. ssh2 feeds every byte it reads from the socket to the protocol's `parse`, marked there.
    bindState(socket, this);
    bindState(protocol, this);
    // A connection that connect() just started gets the server's identification line to ssh2 whole; marking goes on
    // top of the hold, so held bytes count as they arrive.
    this.identified = !options.fresh;
    if (options.fresh) this.#undo.push(holdIdentification(protocol));
    this.#undo.push(markPackets(protocol, this), markParsed(protocol), markWrites(socket));
    if (owner.ping) {
      // The server's EXT_INFO (after the first NEWKEYS) says whether it answers PING; the hook reads it here.
      this.pings = 0;
      this.#undo.push(usePing());
    }
    this.#answerWantReplies();
    this.#startOnAuthentication();
    this.#swallowBuiltInKeepalive();
    this.#onClose();
    if (owner.tcpKeepAlive) {
      // Before connect Node stores the flag and applies it once the socket connects.
      socket.setKeepAlive(true);
      this.#undo.push(() => {
        if (!socket.destroyed) socket.setKeepAlive(false);
      });
    }
    if (options.fresh && owner.connectTimeout !== undefined) this.#armConnectTimeout(owner.connectTimeout);
    if (protocol._authenticated) this.startMonitor();
  }

  /** Starts probing/heartbeats for this connection; called once the user is authenticated. Idempotent. */
  startMonitor(): void {
    if (this.#disposed || this.#authenticated) return;
    this.#authenticated = true;
    const options = this.#owner.monitorOptions;
    if (options !== undefined) {
      const monitor = new LivenessMonitor(
        {
          sendProbe: () => this.#sendProbe(),
          sendHeartbeat: () => sendIgnore(this.protocol),
        },
        options,
      );
      this.monitor = monitor;
      monitor.on("expire", (error) => this.#expired(error));
    }
    this.#owner.authenticated(this.monitor);
    this.monitor?.start();
  }

  /** Removes every hook; the connection itself stays up. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.monitor?.stop();
    this.#clearConnectTimer();
    for (const undo of this.#undo.splice(0).reverse()) undo();
  }

  #answerWantReplies(): void {
    this.#undo.push(
      answerWantReplies(
        this.#internals,
        this.protocol,
        (request) => this.#owner.answered(request),
        () => this.#owner.unanswerable(),
      ),
    );
  }

  /** ServerAlive starts once the session is up, as in OpenSSH; before that ssh2's readyTimeout applies. */
  #startOnAuthentication(): void {
    const handlers: MessageHandlers = this.protocol._handlers;
    const previous = handlers.USERAUTH_SUCCESS;
    const onSuccess = (protocol: Ssh2Protocol): void => {
      this.startMonitor();
      previous?.(protocol);
    };
    this.#undo.push(hook(handlers, "USERAUTH_SUCCESS", onSuccess));
  }

  /**
   * A connection made before `attach()` may run ssh2's own keepalive (client.js:710-743), whose interval is fixed at
   * connect time. Its pings are dropped while attached and its counter is reset instead, so it neither probes
   * while data flows nor kills the connection; unwrapping on detach brings it back unchanged.
   */
  #swallowBuiltInKeepalive(): void {
    const internals = this.#internals;
    if (!((internals.config.keepaliveInterval ?? 0) > 0)) return;
    const protocol = this.protocol;
    const original = this.#ping;
    const ping = (): void => {
      const callbacks = internals._callbacks;
      const resetKA = internals._resetKA;
      if (resetKA !== undefined && callbacks !== undefined && callbacks[callbacks.length - 1] === resetKA) {
        callbacks.pop();
        resetKA();
        return;
      }
      original.call(protocol);
    };
    this.#undo.push(hook(protocol, "ping", ping));
  }

  #onClose(): void {
    const onClose = (): void => {
      this.dispose();
      this.#owner.closed(this);
    };
    this.socket.once("close", onClose);
    this.#undo.push(() => this.socket.off("close", onClose));
  }

  #armConnectTimeout(timeout: number): void {
    const protocol = this.protocol;
    const previous = protocol._onHeader;
    const onHeader = (header: unknown): void => {
      this.#clearConnectTimer();
      previous(header);
    };
    this.#undo.push(hook(protocol, "_onHeader", onHeader));
    this.#connectTimer = (this.#owner.timers ?? systemTimers).setTimeout(() => {
      this.#connectTimer = undefined;
      const phase = this.socket.connecting ? "tcp" : "banner";
      const port = this.#internals.config.port;
      this.#fail(
        new ClientTimeoutError("CONNECT_TIMEOUT", this.#owner.host(), port === undefined ? { phase } : { phase, port }),
      );
    }, timeout);
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer === undefined) return;
    (this.#owner.timers ?? systemTimers).clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
  }

  /**
   * A PING where the server advertised it; else `keepalive@openssh.com`, whose reply callback shares ssh2's FIFO
   * with forwardIn, so it is pushed right before the ping it belongs to.
   */
  #sendProbe(): void {
    if (this.pings !== undefined && this.peerPings) {
      // PONGs come in order and never through `_callbacks`; ssh2 queues the PING during a key exchange, which
      // OpenSSH would not answer.
      this.pings++;
      sendPing(this.protocol);
      return;
    }
    const callbacks = this.#internals._callbacks;
    if (callbacks === undefined) return;
    callbacks.push(this.#onReply);
    this.#ping.call(this.protocol);
  }

  readonly #onReply: GlobalReplyCallback = (failedOrError) => {
    // SUCCESS and FAILURE both prove the server alive; an Error means the connection closed first.
    if (failedOrError instanceof Error) return;
    this.monitor?.markReply();
  };

  #expired(error: LivenessError): void {
    const code = error.code === "REPLY_TIMEOUT" ? "REPLY_TIMEOUT" : "ALIVE_TIMEOUT";
    this.#fail(new ClientTimeoutError(code, this.#owner.host(), { cause: error }));
  }

  /** Destroys the socket at once (the peer may read nothing, so `end()` would wait forever), then reports. */
  #fail(error: ClientTimeoutError): void {
    this.socket.destroy();
    this.#owner.timedOut(error);
  }
}
