import { Emitter, type Listener, LivenessMonitor, type LivenessTransport, type MonitorStats } from "@tsalive/core";
import type { WebSocket } from "ws";
import { type ByteSource, byteSourceOf } from "./_ws_internals.ts";
import { WsTimeoutError } from "./errors.ts";
import { BEAT_MESSAGE, type ControlMessage, controlMessageOf, PING_MESSAGE, PONG_MESSAGE } from "./framing.ts";
import { monitorOptionsOf, type WsOptions } from "./options.ts";

/** Payloads of the events a {@linkcode WsLiveness} emits. */
export interface WsLivenessEvents {
  /** A probe went out; `unanswered` counts it and the earlier ones of this silence. */
  probe: { readonly unanswered: number };
  /** A probe was answered; `rtt` in ms. */
  reply: { readonly rtt: number | undefined };
  /** A heartbeat went out. */
  heartbeat: undefined;
  /** The peer was given up on and the socket terminated; the socket's `'close'` follows. */
  timeout: WsTimeoutError;
}

/** A snapshot from {@linkcode WsLiveness.stats}. */
export interface WsLivenessStats {
  /** `false` once `detach()` ran. */
  readonly attached: boolean;
  /**
   * How inbound activity is marked: `"bytes"`, every chunk read from the TCP socket (a frame still arriving
   * counts), or `"frames"` when this `ws` exposes no socket; `undefined` before the socket opens.
   */
  readonly activity: "bytes" | "frames" | undefined;
  /** App-level pings of the peer answered. */
  readonly answeredPings: number;
  /** Why the socket was terminated, once it was. */
  readonly error: WsTimeoutError | undefined;
  /** The monitor's counters and RTT; `undefined` when no mechanism is on. */
  readonly monitor: MonitorStats | undefined;
}

const PREFIX = "Cannot attach to WebSocket";
/** ws's readyState values. */
const OPEN = 1;
const CLOSING = 2;
/**
 * The payload of our heartbeat pongs, so that the peer's tsalive never takes one for the answer to its ping. Our
 * pings carry none: `ws` sends an empty frame in one write and a frame with a payload in two (cork + writev),
 * which cost a third more CPU at 10,000 idle sockets.
 */
const HEARTBEAT_PAYLOAD = new TextEncoder().encode("tsalive");

const attached = new WeakMap<object, WsLiveness>();

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/**
 * The handle {@linkcode attach} returns: events, counters, and `detach()`.
 *
 * @example
 * ```ts
 * import { WebSocket } from "ws";
 * import { attach } from "@tsalive/ws";
 * const socket = new WebSocket("ws://127.0.0.1:9");
 * socket.on("error", () => {});
 * const liveness = attach(socket, { probe: { interval: 15_000 } });
 * liveness.stats().attached; // true
 * liveness.detach();
 * socket.terminate();
 * ```
 */
export class WsLiveness {
  readonly #socket: WebSocket;
  readonly #events = new Emitter<WsLivenessEvents>();
  readonly #monitor: LivenessMonitor | undefined;
  readonly #probeWithMessages: boolean;
  readonly #answer: boolean;
  readonly #undo: (() => void)[] = [];
  #activity: "bytes" | "frames" | undefined;
  #error: WsTimeoutError | undefined;
  #answered = 0;
  /** Ping frames sent and not yet answered by an empty pong. */
  #outstanding = 0;
  #detached = false;

  /** Same as {@linkcode attach}. */
  constructor(socket: WebSocket, options: WsOptions = {}) {
    const monitorOptions = monitorOptionsOf(options, PREFIX);
    checkSocket(socket);
    if (attached.has(socket)) throw new Error(`${PREFIX}: already attached; detach() first`);
    if (socket.readyState >= CLOSING) throw new Error(`${PREFIX}: it is already closing or closed`);
    this.#socket = socket;
    this.#probeWithMessages = options.probeWith === "message";
    this.#answer = options.answerMessages ?? true;
    if (monitorOptions !== undefined) {
      const monitor = new LivenessMonitor(this.#transport(), monitorOptions);
      monitor.on("probe", (payload) => {
        if (!this.#probeWithMessages) this.#outstanding++;
        this.#events.emit("probe", payload);
      });
      monitor.on("reply", (payload) => this.#events.emit("reply", payload));
      monitor.on("heartbeat", () => this.#events.emit("heartbeat", undefined));
      monitor.on("expire", (error) => this.#expire(WsTimeoutError.from(error)));
      this.#monitor = monitor;
    }
    attached.set(socket, this);
    this.#hookEmit();
    const onClose = (): void => this.#dispose();
    socket.on("close", onClose);
    this.#undo.push(() => socket.off("close", onClose));
    if (socket.readyState === OPEN) this.#open();
    else {
      const onOpen = (): void => this.#open();
      socket.once("open", onOpen);
      this.#undo.push(() => socket.off("open", onOpen));
    }
  }

  /** Whether the handle is still attached. */
  get attached(): boolean {
    return !this.#detached;
  }

  /** Why the socket was terminated, once it was. */
  get error(): WsTimeoutError | undefined {
    return this.#error;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof WsLivenessEvents>(event: K, listener: Listener<WsLivenessEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode WsLiveness.on}. */
  off<K extends keyof WsLivenessEvents>(event: K, listener: Listener<WsLivenessEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /** Counters, and the monitor's statistics (probes, replies, RTT, last inbound and outbound). */
  stats(): WsLivenessStats {
    return {
      attached: !this.#detached,
      activity: this.#activity,
      answeredPings: this.#answered,
      error: this.#error,
      monitor: this.#monitor?.stats(),
    };
  }

  /**
   * Stops the monitor, removes every hook from the socket and drops this handle's listeners; the socket itself
   * stays open. Idempotent.
   */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#dispose();
    this.#events.clear();
    attached.delete(this.#socket);
  }

  #transport(): LivenessTransport {
    const socket = this.#socket;
    const send = (text: string): void => {
      if (socket.readyState === OPEN) socket.send(text);
    };
    if (this.#probeWithMessages) {
      return { sendProbe: () => send(PING_MESSAGE), sendHeartbeat: () => send(BEAT_MESSAGE) };
    }
    return {
      sendProbe: () => {
        if (socket.readyState === OPEN) socket.ping();
      },
      // RFC 6455 §5.5.3: "A Pong frame MAY be sent unsolicited. This serves as a unidirectional heartbeat."
      sendHeartbeat: () => {
        if (socket.readyState === OPEN) socket.pong(HEARTBEAT_PAYLOAD);
      },
    };
  }

  /** Runs once the socket is open: activity marks, outbound marks for the heartbeat, and the monitor. */
  #open(): void {
    const monitor = this.#monitor;
    if (this.#detached || monitor === undefined || this.#socket.readyState !== OPEN) return;
    const bytes: ByteSource | undefined = byteSourceOf(this.#socket);
    if (bytes !== undefined) {
      // A bulk frame arrives in many chunks, and may take longer than the whole bound on a slow link: each chunk
      // proves the peer alive, as each SSH packet does. A clock read and a field write per chunk; no timer moves.
      const mark = (): void => monitor.markInbound();
      bytes.on("data", mark);
      this.#undo.push(() => bytes.off("data", mark));
      this.#activity = "bytes";
    } else {
      this.#activity = "frames";
    }
    if (monitor.options.heartbeat !== undefined) this.#hookSend(monitor);
    monitor.start();
  }

  /** Wraps `emit` to see every frame first: control messages, replies to our pings, and frame-level marks. */
  #hookEmit(): void {
    const socket = this.#socket as unknown as { emit: Emit };
    const own = Object.hasOwn(socket, "emit");
    const previous = socket.emit;
    const emit: Emit = (event, ...args) => {
      if (event === "message" || event === "ping" || event === "pong") {
        if (this.#frame(event, args[0], args[1] === true)) return true;
      }
      return previous.call(socket, event, ...args);
    };
    socket.emit = emit;
    this.#undo.push(() => {
      if (socket.emit !== emit) return;
      if (own) socket.emit = previous;
      else delete (socket as { emit?: unknown }).emit;
    });
  }

  /** Handles one inbound frame; returns `true` when it is ours and the application must not see it. */
  #frame(event: "message" | "ping" | "pong", data: unknown, isBinary: boolean): boolean {
    const monitor = this.#monitor;
    if (this.#activity === "frames") monitor?.markInbound();
    if (event === "pong") {
      // The answer to our empty ping is an empty pong (RFC 6455 §5.5.3: it echoes the ping's data); a pong with
      // data, such as a tsalive peer's heartbeat, or with no ping of ours out, is activity only.
      if (this.#outstanding > 0 && isEmpty(data)) {
        this.#outstanding--;
        monitor?.markReply();
      }
      return false;
    }
    if (event !== "message" || isBinary || !(this.#answer || this.#probeWithMessages)) return false;
    const kind = controlOf(data);
    if (kind === undefined) return false;
    if (kind === "ping" && this.#answer && this.#socket.readyState === OPEN) {
      this.#answered++;
      this.#socket.send(PONG_MESSAGE);
    } else if (kind === "pong" && this.#probeWithMessages) {
      monitor?.markReply();
    }
    return this.#answer;
  }

  #hookSend(monitor: LivenessMonitor): void {
    const socket = this.#socket as unknown as { send: (...args: unknown[]) => void };
    const own = Object.hasOwn(socket, "send");
    const previous = socket.send;
    const send = (...args: unknown[]): void => {
      monitor.markOutbound();
      previous.apply(socket, args);
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
    // Not close(): a dead peer never answers the closing handshake, and close() would wait 30 s for it.
    this.#socket.terminate();
    this.#events.emit("timeout", error);
  }

  #dispose(): void {
    this.#monitor?.stop();
    for (let undo = this.#undo.pop(); undo !== undefined; undo = this.#undo.pop()) undo();
  }
}

/**
 * Attaches liveness to a `ws` WebSocket, server side (from `'connection'`) or client side, before or after it
 * opens. The monitor starts when the socket opens and stops when it closes.
 *
 * - Probes (`probe`): a ping frame after `interval` ms with nothing received, answered by the peer's pong; the
 *   socket is terminated at exactly last-inbound + (countMax + 1) · interval, where every inbound byte counts, so
 *   a large frame still arriving on a slow link is never silence. With `probeWith: "message"`, app-level pings.
 * - Heartbeat (`heartbeat`): an unsolicited pong after `interval` ms with nothing sent.
 * - Watchdog (`watchdog`): terminate after `timeout` ms with nothing received.
 * - App-level pings of a `@tsalive/ws/browser` peer are answered and hidden from `'message'` listeners.
 *
 * @throws {RangeError} for a bad option, naming it and the value received.
 * @throws {Error} when the socket is already attached, closing or closed.
 *
 * @example
 * ```ts no-run
 * // no-run: a server that listens until stopped.
 * import { WebSocketServer } from "ws";
 * import { attach } from "@tsalive/ws";
 *
 * const server = new WebSocketServer({ port: 8080 });
 * const options = { probe: { interval: 10_000, countMax: 2 } }; // dead 30 s after the last byte received
 * server.on("connection", (socket) => {
 *   attach(socket, options).on("timeout", (error) => console.log(error.message));
 * });
 * ```
 */
export function attach(socket: WebSocket, options: WsOptions = {}): WsLiveness {
  return new WsLiveness(socket, options);
}

function checkSocket(socket: WebSocket): void {
  const candidate = socket as unknown as Record<string, unknown> | null;
  for (const name of ["on", "off", "once", "emit", "send", "ping", "pong", "terminate"]) {
    if (typeof candidate?.[name] !== "function") {
      throw new TypeError(`${PREFIX}: expected a ws WebSocket, received an object without ${name}()`);
    }
  }
  if (typeof candidate?.readyState !== "number") {
    throw new TypeError(`${PREFIX}: expected a ws WebSocket, received an object without readyState`);
  }
}

function isEmpty(data: unknown): boolean {
  return data === undefined || (data instanceof Uint8Array && data.length === 0);
}

const decoder = new TextDecoder();

/** A text message's control kind; `ws` delivers text as a Buffer, or an ArrayBuffer with that `binaryType`. */
function controlOf(data: unknown): ControlMessage | undefined {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  if (!(bytes instanceof Uint8Array) || bytes.length !== PING_MESSAGE.length) return undefined;
  return controlMessageOf(decoder.decode(bytes));
}
