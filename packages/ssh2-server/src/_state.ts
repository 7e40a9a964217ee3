/**
 * A connection's state: one object per connection, bound on its socket and protocol, where the concern modules'
 * hook functions (one of each per process, shared by every connection) find it. It is also the
 * transport of the connection's monitor, and it holds everything of the public handle but the handle itself: an
 * idle connection pays for two small objects, not four.
 */
import type { Socket } from "node:net";
import type { Emitter, LivenessError, LivenessMonitor, LivenessTransport } from "@tsalive/core";
import { type PacketState, sendIgnore } from "@tsalive/ssh2-layer";
import type { ChannelRegistry } from "./_channels.ts";
import type { IdentificationState } from "./_identification.ts";
import { sendProbe } from "./_probes.ts";
import type { Ssh2ConnectionInternals, Ssh2Protocol } from "./_ssh2_internals.ts";
import type { StoppedProcess } from "./_stop_processes.ts";
import { expired } from "./_teardown.ts";
import type { ConnectionLiveness } from "./connection.ts";
import type { ConnectionLivenessEvents, ConnectionOwner } from "./connection_events.ts";
import type { ConnectionInfo, ResolvedServerOptions, ServerOptionsInput } from "./options.ts";
import type { ProcessSupervisor } from "./supervisor.ts";

/** A server Connection's internals plus the EventEmitter methods the adapter uses. */
export type ConnectionEmitter = Ssh2ConnectionInternals & {
  on(event: "ready", listener: (this: ConnectionEmitter) => void): unknown;
  removeListener(event: "ready", listener: (this: ConnectionEmitter) => void): unknown;
  listenerCount(event: string): number;
  emit(event: "error", error: Error): boolean;
};

/**
 * The connection's addresses as they are now, and `user`. Reading the local address makes Node keep a `_sockname`
 * object on the socket, so a connection reads it only when its {@linkcode ConnectionInfo} is first asked for.
 */
export function socketInfo(socket: Socket, user: string | undefined): ConnectionInfo {
  return {
    user,
    addr: socket.remoteAddress ?? "UNKNOWN",
    port: socket.remotePort ?? 0,
    laddr: socket.localAddress ?? "UNKNOWN",
    lport: socket.localPort ?? 0,
  };
}

const AUTHENTICATED = 1;
const WRITES = 2;
const DISPOSED = 4;
const ENDING = 8;
const PROBE_ON_CHANNEL = 16;
const IDENTIFIED = 32;

/** One connection's state (see above); made with its handle at the accept, or by `attachConnection()`. */
export class ConnectionState implements PacketState, LivenessTransport, IdentificationState {
  readonly socket: Socket;
  /** The connection's public handle, for `ConnectionLiveness.of(socket)`. */
  readonly handle: ConnectionLiveness;
  /** The server handle that owns the connection, if any: it hears every event too. */
  readonly owner: ConnectionOwner | undefined;
  /** The options as given: an object, or the function asked again once the client authenticated. */
  readonly input: ServerOptionsInput;
  /** The options in force. */
  options: ResolvedServerOptions;
  /** The handle's listeners, made on the first `on()`. */
  events: Emitter<ConnectionLivenessEvents> | undefined = undefined;
  /** Monitor events forwarded to listeners so far (a bit per event): none until someone listens. */
  forwarded = 0;
  /** The booleans below, a bit each: a field each would cost 8 bytes per connection. */
  flags = 0;
  /** Set once ssh2's Connection for the socket exists. */
  protocol: Ssh2Protocol | undefined = undefined;
  internals: ConnectionEmitter | undefined = undefined;
  monitor: LivenessMonitor | undefined = undefined;
  ssh2OnPacket: (() => void) | undefined = undefined;
  onPacket: (() => void) | undefined = undefined;
  /** Global probes awaiting a reply (replies come in order, RFC 4254 §4). */
  globalProbes = 0;
  /** Channel-request probes awaiting a reply, by our channel id: per probe, how many ssh2 replies are due first. */
  channelProbes: Map<number, number[]> | undefined = undefined;
  /** Tracked channels (with UnusedConnectionTimeout or ChannelTimeout only). */
  channels: ChannelRegistry | undefined = undefined;
  /** Channels the client asked to open, by its id, until we confirm them: their type. */
  opening: Map<number, string> | undefined = undefined;
  /** The user name of the latest USERAUTH_REQUEST before authentication: the authenticated user. */
  lastUser: string | undefined = undefined;
  answered = 0;
  unanswerable = 0;
  /** Who the client is, once asked for (see {@linkcode ConnectionState.info}). */
  infoMade: ConnectionInfo | undefined;
  /** Created on first use (the handle's `supervisor`). */
  supervisor: ProcessSupervisor | undefined = undefined;
  /** What the watchdog and the close stopped, for the close event. */
  stopped: Set<StoppedProcess> | undefined = undefined;

  constructor(
    socket: Socket,
    handle: ConnectionLiveness,
    owner: ConnectionOwner | undefined,
    input: ServerOptionsInput,
    options: ResolvedServerOptions,
    info: ConnectionInfo | undefined,
  ) {
    this.socket = socket;
    this.handle = handle;
    this.owner = owner;
    this.input = input;
    this.options = options;
    this.infoMade = info;
  }

  get authenticated(): boolean {
    return (this.flags & AUTHENTICATED) !== 0;
  }
  set authenticated(value: boolean) {
    this.flags = withBit(this.flags, AUTHENTICATED, value);
  }

  /** Whether the socket's writes are marked (with a heartbeat after authentication). */
  get writes(): boolean {
    return (this.flags & WRITES) !== 0;
  }
  set writes(value: boolean) {
    this.flags = withBit(this.flags, WRITES, value);
  }

  /** Set by `detach()` or the close: every hook is out. */
  get disposed(): boolean {
    return (this.flags & DISPOSED) !== 0;
  }
  set disposed(value: boolean) {
    this.flags = withBit(this.flags, DISPOSED, value);
  }

  /** Set once tsalive ends the connection or it closes: nothing ends it twice. */
  get ending(): boolean {
    return (this.flags & ENDING) !== 0;
  }
  set ending(value: boolean) {
    this.flags = withBit(this.flags, ENDING, value);
  }

  /** Set once the client's identification line passed the hold (`_identification.ts`). */
  get identified(): boolean {
    return (this.flags & IDENTIFIED) !== 0;
  }
  set identified(value: boolean) {
    this.flags = withBit(this.flags, IDENTIFIED, value);
  }

  /** Whether the latest probe went as a channel request. */
  get lastProbeOnChannel(): boolean {
    return (this.flags & PROBE_ON_CHANNEL) !== 0;
  }
  set lastProbeOnChannel(value: boolean) {
    this.flags = withBit(this.flags, PROBE_ON_CHANNEL, value);
  }

  /**
   * Who the client is; `user` once authenticated. Made on first use, and at the latest when the socket is being
   * destroyed (Node forgets the local address then), so it reads the same whenever it is asked for.
   */
  info(): ConnectionInfo {
    this.infoMade ??= socketInfo(this.socket, this.authenticated ? this.lastUser : undefined);
    return this.infoMade;
  }

  /** Tells the handle's listeners and the server handle's. */
  emit<K extends keyof ConnectionLivenessEvents>(event: K, payload: ConnectionLivenessEvents[K]): void {
    this.events?.emit(event, payload);
    this.owner?.emit(this.handle, event, payload);
  }

  /** Whether anyone listens for `event`, on the handle or the server handle. */
  heard(event: keyof ConnectionLivenessEvents): boolean {
    return this.events?.has(event) === true || this.owner?.wants(event) === true;
  }

  /**
   * The monitor's transport. A probe or a heartbeat goes out unless the socket is done: between the socket's 'end'
   * and its 'close' ssh2 has already torn the protocol down (Protocol.js:288-307) and any send throws; the 'close'
   * that follows stops the monitor.
   */
  sendProbe(): void {
    send(this, true);
  }

  sendHeartbeat(): void {
    send(this, false);
  }

  /** The monitor's expiry goes to the teardown. */
  expired(error: LivenessError): void {
    expired(this, error);
  }
}

function withBit(flags: number, bit: number, value: boolean): number {
  return value ? flags | bit : flags & ~bit;
}

// A function, not a private method: a class with private methods gives every instance a brand slot.
function send(state: ConnectionState, probe: boolean): void {
  const { socket, protocol } = state;
  if (protocol === undefined || socket.destroyed || !socket.writable) return;
  try {
    if (probe) sendProbe(state, protocol);
    else sendIgnore(protocol);
  } catch (error) {
    if (socket.destroyed || !socket.writable) return;
    throw error;
  }
}
