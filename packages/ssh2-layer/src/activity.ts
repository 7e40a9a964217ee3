/**
 * Activity marking, the concern both adapters share: every decrypted packet outside a key exchange, every byte on
 * the socket and (for the heartbeat) every write mark the connection's monitor. The transport marks; the monitor
 * decides.
 */
import type { Socket } from "node:net";
import { hook, previous, type Undo, unhook } from "./hook.ts";
import { inKeyExchange, type Ssh2Protocol } from "./protocol.ts";
import { stateOf } from "./state.ts";

/** The monitor's side of marking: a clock read and a field write each. */
export interface Marks {
  markInbound(keepalive?: boolean): void;
  markOutbound(): void;
}

/** What activity marking reads from a connection's state (bound with `bindState` on its protocol and socket). */
export interface ActivityState {
  /** `undefined` on a server socket whose ssh2 Connection does not exist yet. */
  readonly protocol: Ssh2Protocol | undefined;
  readonly monitor: Marks | undefined;
}

type Write = Socket["write"];

/**
 * Bytes prove the peer alive before they make a whole packet (ssh's deadline is last-byte-received + I, and sshd's
 * poll wakes on any byte): a 32 KiB packet crawling in over a throttled link is not silence. During a key exchange
 * packets skip `_onPacket` (kex.js:498-506), so there the bytes also count as activity: a slow rekey is never
 * silence. Before the protocol exists, every byte is activity (a peer stalling before its identification line).
 */
function onData(this: Socket): void {
  const state = stateOf<ActivityState>(this);
  if (state === undefined) return;
  const protocol = state.protocol;
  state.monitor?.markInbound(protocol !== undefined && !inKeyExchange(protocol));
}

function parse(this: Ssh2Protocol, chunk: Buffer, i: number, len: number): void {
  stateOf<ActivityState>(this)?.monitor?.markInbound(!inKeyExchange(this));
  previous(this, parse)?.call(this, chunk, i, len);
}

function write(this: Socket, ...args: Parameters<Write>): boolean {
  stateOf<ActivityState>(this)?.monitor?.markOutbound();
  return (previous(this, write) as (...args: Parameters<Write>) => boolean).apply(this, args);
}

/** What packet marking keeps in a connection's state. */
export interface PacketState extends ActivityState {
  /** ssh2's `_onPacket` from before ours (on a server, its keepalive's reset). */
  ssh2OnPacket: (() => void) | undefined;
  /** Ours, bound to the state; `undefined` when not installed. */
  onPacket: (() => void) | undefined;
}

/**
 * A method, not a function declaration: tools that keep function names (tsx, esbuild's keepNames) redefine a
 * declaration's `name`, and binding such a function gives every bound copy a property dictionary of its own.
 */
const marker = {
  onPacket(this: PacketState): void {
    this.monitor?.markInbound();
    this.ssh2OnPacket?.();
  },
};

/**
 * Every decrypted packet outside a key exchange passes `_onPacket` (Protocol.js:2031-2034), so wrapping it marks
 * inbound activity. The one function made per connection, a bound function (no closure context): ssh2's own
 * `_onPacket` is an arrow function, so code that wraps it after us may call ours unbound, and this hook cannot find
 * its state through its receiver.
 */
export function markPackets(protocol: Ssh2Protocol, state: PacketState): Undo {
  state.ssh2OnPacket = protocol._onPacket;
  state.onPacket = marker.onPacket.bind(state);
  protocol._onPacket = state.onPacket;
  return () => unmarkPackets(protocol, state);
}

/** Takes out what {@linkcode markPackets} put in, unless someone wrapped over it since. Idempotent. */
export function unmarkPackets(protocol: Ssh2Protocol, state: PacketState): void {
  if (state.onPacket === undefined || protocol._onPacket !== state.onPacket) return;
  protocol._onPacket = state.ssh2OnPacket as () => void;
  state.onPacket = undefined;
}

/** Marks every byte the socket receives (see `onData`). The socket must carry the state (`bindState`). */
export function markBytes(socket: Socket): Undo {
  socket.on("data", onData);
  return () => unmarkBytes(socket);
}

/** Takes out {@linkcode markBytes}. */
export function unmarkBytes(socket: Socket): void {
  socket.removeListener("data", onData);
}

/**
 * Marks the bytes ssh2 reads as {@linkcode markBytes} does, where ssh2 takes them: its socket 'data' listener feeds
 * every chunk to `parse`. Once ssh2 reads the socket this replaces `markBytes`: a wrapped method costs the protocol
 * one property, where a second 'data' listener makes Node keep a listener list on the socket. The protocol must
 * carry the state (`bindState`).
 */
export function markParsed(protocol: Ssh2Protocol): Undo {
  return hook(protocol, "parse", parse);
}

/** Takes out {@linkcode markParsed}, unless someone wrapped over it since. */
export function unmarkParsed(protocol: Ssh2Protocol): void {
  unhook(protocol, "parse", parse);
}

/** Marks every write to the socket as outbound activity: a clock read, no timer reset. */
export function markWrites(socket: Socket): Undo {
  return hook(socket, "write", write as Write);
}

/** Takes out {@linkcode markWrites}, unless someone wrapped over it since. */
export function unmarkWrites(socket: Socket): void {
  unhook(socket, "write", write as Write);
}
