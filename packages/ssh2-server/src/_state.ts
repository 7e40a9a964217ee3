/**
 * A connection's state: one plain object per connection, bound on its socket, protocol and handler table, where the
 * concern modules' hook functions (one of each per process, shared by every connection) find it.
 */
import type { Socket } from "node:net";
import type { Emitter, LivenessMonitor } from "@tsalive/core";
import type { PacketState } from "@tsalive/ssh2-layer";
import type { ChannelRegistry } from "./_channels.ts";
import type { Ssh2ConnectionInternals, Ssh2Protocol } from "./_ssh2_internals.ts";
import type { StoppedProcess } from "./_stop_processes.ts";
import type { ConnectionLiveness } from "./connection.ts";
import type { ConnectionLivenessEvents, ConnectionOwner } from "./connection_events.ts";
import type { ConnectionInfo } from "./options.ts";
import type { ProcessSupervisor } from "./supervisor.ts";

/** A server Connection's internals plus the EventEmitter methods the adapter uses. */
export type ConnectionEmitter = Ssh2ConnectionInternals & {
  on(event: "ready", listener: (this: ConnectionEmitter) => void): unknown;
  removeListener(event: "ready", listener: (this: ConnectionEmitter) => void): unknown;
  listenerCount(event: string): number;
  emit(event: "error", error: Error): boolean;
};

export interface ConnectionState extends PacketState {
  readonly socket: Socket;
  /** The connection's public handle, for `ConnectionLiveness.of(socket)`. */
  readonly handle: ConnectionLiveness;
  /** The server handle that owns the connection, if any: it hears every event too. */
  readonly owner: ConnectionOwner | undefined;
  /** The handle's listeners, made on the first `on()`. */
  events: Emitter<ConnectionLivenessEvents> | undefined;
  /** Set once ssh2's Connection for the socket exists. */
  protocol: Ssh2Protocol | undefined;
  internals: ConnectionEmitter | undefined;
  monitor: LivenessMonitor | undefined;
  /** Global probes awaiting a reply (replies come in order, RFC 4254 §4). */
  globalProbes: number;
  /** Channel-request probes awaiting a reply, by our channel id: per probe, how many ssh2 replies are due first. */
  channelProbes: Map<number, number[]> | undefined;
  /** Whether the latest probe went as a channel request. */
  lastProbeOnChannel: boolean;
  /** Tracked channels (with UnusedConnectionTimeout or ChannelTimeout only). */
  channels: ChannelRegistry | undefined;
  /** Channels the client asked to open, by its id, until we confirm them: their type. */
  opening: Map<number, string> | undefined;
  lastUser: string | undefined;
  answered: number;
  unanswerable: number;
  /** Who the client is; `user` once authenticated. */
  info: ConnectionInfo;
  /** Created on first use (the handle's `supervisor`). */
  supervisor: ProcessSupervisor | undefined;
  /** Set once tsalive ends the connection or it closes: nothing ends it twice. */
  ending: boolean;
  /** What the watchdog and the close stopped, for the close event. */
  stopped: Set<StoppedProcess> | undefined;
}

/** The connection's addresses as an options function sees them at the accept. */
export function infoOf(socket: Socket): ConnectionInfo {
  return {
    user: undefined,
    addr: socket.remoteAddress ?? "UNKNOWN",
    port: socket.remotePort ?? 0,
    laddr: socket.localAddress ?? "UNKNOWN",
    lport: socket.localPort ?? 0,
  };
}

/** A fresh state for `socket`. */
export function newState(
  socket: Socket,
  handle: ConnectionLiveness,
  owner: ConnectionOwner | undefined,
  info: ConnectionInfo,
): ConnectionState {
  return {
    info,
    supervisor: undefined,
    ending: false,
    stopped: undefined,
    socket,
    handle,
    owner,
    events: undefined,
    protocol: undefined,
    internals: undefined,
    monitor: undefined,
    ssh2OnPacket: undefined,
    onPacket: undefined,
    globalProbes: 0,
    channelProbes: undefined,
    lastProbeOnChannel: false,
    channels: undefined,
    opening: undefined,
    lastUser: undefined,
    answered: 0,
    unanswerable: 0,
  };
}

/** Tells the handle's listeners and the server handle's. */
export function emit<K extends keyof ConnectionLivenessEvents>(
  state: ConnectionState,
  event: K,
  payload: ConnectionLivenessEvents[K],
): void {
  state.events?.emit(event, payload);
  state.owner?.emit(state.handle, event, payload);
}
