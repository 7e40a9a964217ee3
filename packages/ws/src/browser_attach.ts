import { Emitter, type Listener, LivenessMonitor, type MonitorStats } from "@tsalive/core";
import { WsTimeoutError } from "./errors.ts";
import { BEAT_MESSAGE, controlMessageOf, PING_MESSAGE, PONG_MESSAGE } from "./framing.ts";
import { type LivenessOptions, monitorOptionsOf } from "./options.ts";

/**
 * The part of the standard `WebSocket` (WHATWG) the browser entry uses: browsers', Deno's, Bun's and Node 22+'s
 * global `WebSocket` all have it.
 */
export interface StandardWebSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "message", listener: (event: MessageLikeEvent) => void): void;
  removeEventListener(type: "open" | "close" | "message", listener: (event: MessageLikeEvent) => void): void;
}

/** The part of a `MessageEvent` the browser entry reads. */
export interface MessageLikeEvent {
  readonly data?: unknown;
  stopImmediatePropagation(): void;
}

/** Payloads of the events a {@linkcode BrowserLiveness} emits. */
export interface BrowserLivenessEvents {
  /** An app-level ping went out; `unanswered` counts it and the earlier ones of this silence. */
  probe: { readonly unanswered: number };
  /** A ping was answered; `rtt` in ms. */
  reply: { readonly rtt: number | undefined };
  /** A `{"tsalive":"beat"}` went out. */
  heartbeat: undefined;
  /** The peer was given up on and the socket closed with code 4000; its `close` event follows. */
  timeout: WsTimeoutError;
}

/** A snapshot from {@linkcode BrowserLiveness.stats}. */
export interface BrowserLivenessStats {
  /** `false` once `detach()` ran. */
  readonly attached: boolean;
  /** Pings of the peer answered. */
  readonly answeredPings: number;
  /** Why the socket was closed, once it was. */
  readonly error: WsTimeoutError | undefined;
  /** The monitor's counters and RTT; `undefined` when no mechanism is on. */
  readonly monitor: MonitorStats | undefined;
}

/**
 * The close code of a timeout: 4000–4999 are the application's (RFC 6455 §7.4.2). The reason is the error's
 * `code`, such as `ALIVE_TIMEOUT`.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `socket` is a page's WebSocket and `reconnect` the page's own.
 * import { TIMEOUT_CLOSE_CODE } from "@tsalive/ws/browser";
 * declare const socket: WebSocket;
 * declare function reconnect(): void;
 * socket.addEventListener("close", (event) => {
 *   if (event.code === TIMEOUT_CLOSE_CODE) reconnect();
 * });
 * ```
 */
export const TIMEOUT_CLOSE_CODE = 4000;

const PREFIX = "Cannot attach to WebSocket";
const OPEN = 1;
const CLOSING = 2;

/**
 * The handle the browser entry's {@linkcode attach} returns.
 *
 * @example
 * ```ts no-run
 * // no-run: needs a server at example.com.
 * import { attach } from "@tsalive/ws/browser";
 * const liveness = attach(new WebSocket("wss://example.com/term"), { probe: { interval: 5_000, countMax: 2 } });
 * liveness.on("timeout", (error) => console.log(error.message));
 * ```
 */
export class BrowserLiveness {
  readonly #socket: StandardWebSocket;
  readonly #events = new Emitter<BrowserLivenessEvents>();
  readonly #monitor: LivenessMonitor | undefined;
  readonly #undo: (() => void)[] = [];
  #error: WsTimeoutError | undefined;
  #answered = 0;
  #detached = false;

  /** Same as {@linkcode attach}. */
  constructor(socket: StandardWebSocket, options: LivenessOptions = {}) {
    const monitorOptions = monitorOptionsOf(options, PREFIX);
    if (typeof socket?.addEventListener !== "function" || typeof socket.send !== "function") {
      throw new TypeError(`${PREFIX}: expected a WebSocket, received ${String(socket)}`);
    }
    if (socket.readyState >= CLOSING) throw new Error(`${PREFIX}: it is already closing or closed`);
    this.#socket = socket;
    const send = (text: string): void => {
      if (socket.readyState === OPEN) socket.send(text);
    };
    if (monitorOptions !== undefined) {
      const monitor = new LivenessMonitor(
        { sendProbe: () => send(PING_MESSAGE), sendHeartbeat: () => send(BEAT_MESSAGE) },
        monitorOptions,
      );
      monitor.on("probe", (payload) => this.#events.emit("probe", payload));
      monitor.on("reply", (payload) => this.#events.emit("reply", payload));
      monitor.on("heartbeat", () => this.#events.emit("heartbeat", undefined));
      monitor.on("expire", (error) => this.#expire(WsTimeoutError.from(error)));
      this.#monitor = monitor;
      if (monitorOptions.heartbeat !== undefined) this.#hookSend(monitor);
    }
    this.#listen("message", (event) => {
      this.#monitor?.markInbound();
      const kind = controlMessageOf(event.data);
      if (kind === undefined) return;
      // Listeners added after attach() never see a control message.
      event.stopImmediatePropagation();
      if (kind === "ping") {
        this.#answered++;
        send(PONG_MESSAGE);
      } else if (kind === "pong") {
        this.#monitor?.markReply();
      }
    });
    this.#listen("close", () => this.#dispose());
    if (socket.readyState === OPEN) this.#monitor?.start();
    else this.#listen("open", () => this.#monitor?.start());
  }

  /** Whether the handle is still attached. */
  get attached(): boolean {
    return !this.#detached;
  }

  /** Why the socket was closed, once it was. */
  get error(): WsTimeoutError | undefined {
    return this.#error;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof BrowserLivenessEvents>(event: K, listener: Listener<BrowserLivenessEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode BrowserLiveness.on}. */
  off<K extends keyof BrowserLivenessEvents>(event: K, listener: Listener<BrowserLivenessEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /** Counters, and the monitor's statistics. */
  stats(): BrowserLivenessStats {
    return {
      attached: !this.#detached,
      answeredPings: this.#answered,
      error: this.#error,
      monitor: this.#monitor?.stats(),
    };
  }

  /** Stops the monitor and removes every listener and hook; the socket stays open. Idempotent. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#dispose();
    this.#events.clear();
  }

  #listen(type: "open" | "close" | "message", listener: (event: MessageLikeEvent) => void): void {
    this.#socket.addEventListener(type, listener);
    this.#undo.push(() => this.#socket.removeEventListener(type, listener));
  }

  /** Application messages count as outbound traffic, so a heartbeat goes out only after outbound silence. */
  #hookSend(monitor: LivenessMonitor): void {
    const socket = this.#socket as { send: (data: string) => void };
    const own = Object.hasOwn(socket, "send");
    const previous = socket.send;
    const send = (data: string): void => {
      monitor.markOutbound();
      previous.call(socket, data);
    };
    socket.send = send;
    this.#undo.push(() => {
      if (socket.send !== send) return;
      if (own) socket.send = previous;
      else delete (socket as { send?: unknown }).send;
    });
  }

  #expire(error: WsTimeoutError): void {
    this.#error = error;
    // The standard API has no terminate(); a close with an application code is the nearest, and the handle
    // stops listening at once, so nothing that arrives later revives the connection.
    this.#socket.close(TIMEOUT_CLOSE_CODE, error.code);
    this.#dispose();
    this.#events.emit("timeout", error);
  }

  #dispose(): void {
    this.#monitor?.stop();
    for (let undo = this.#undo.pop(); undo !== undefined; undo = this.#undo.pop()) undo();
  }
}

/**
 * Attaches liveness to any standard `WebSocket` (browsers, Deno, Bun, Node 22+), over app-level messages (see
 * the framing convention in `PING_MESSAGE`): the browser API cannot send ping frames. The other end must speak
 * the convention: `@tsalive/ws`'s Node `attach()` does, or another page with this entry.
 *
 * Attach before adding your own `message` listeners: control messages are then hidden from them. Every message
 * received counts as activity; the standard API reports whole messages only.
 *
 * @throws {RangeError} for a bad option, naming it and the value received.
 *
 * @example
 * ```ts no-run
 * // no-run: needs a server at example.com; `showBanner` and `render` are the page's own.
 * import { attach } from "@tsalive/ws/browser";
 *
 * declare function showBanner(text: string): void;
 * declare function render(data: unknown): void;
 * const socket = new WebSocket("wss://example.com/term");
 * const liveness = attach(socket, { probe: { interval: 5_000, countMax: 2 }, heartbeat: { interval: 2_000 } });
 * liveness.on("timeout", (error) => showBanner(`connection lost: ${error.message}`));
 * socket.addEventListener("message", (event) => render(event.data)); // never sees a control message
 * ```
 */
export function attach(socket: StandardWebSocket, options: LivenessOptions = {}): BrowserLiveness {
  return new BrowserLiveness(socket, options);
}
