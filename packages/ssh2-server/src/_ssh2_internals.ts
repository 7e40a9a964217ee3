/**
 * Every private part of ssh2 this adapter touches, typed narrowly, in one place (see SSH2-NOTES.md). ssh2's server
 * has no public API for the accepted socket before the identification line, for probes with a reply, for
 * SSH_MSG_IGNORE, for packet-level activity or for answering channel requests it drops, so the adapter reaches into
 * these; `checkServer` and `checkConnection` verify each of them when attaching, and test/contract.test.ts exercises
 * each against a real connection, so that an ssh2 release that moves one fails loudly instead of silently disabling
 * liveness checks.
 *
 * Line numbers refer to ssh2 1.17.0.
 */
import type { Server as NetServer, Socket } from "node:net";
import { checkProtocol, checkModules as checkShared, type Ssh2Protocol as SharedProtocol } from "@tsalive/ssh2-layer";
import { Ssh2CompatibilityError } from "./errors.ts";

type Handler<Args extends unknown[]> = ((protocol: Ssh2Protocol, ...args: Args) => void) | undefined;

/** Connection-protocol handlers on `_protocol._handlers`, looked up per packet (handlers.misc.js). */
export interface MessageHandlers {
  /** Replies to our global requests; ssh2's server installs none (handlers.misc.js:683-702). */
  REQUEST_SUCCESS?: Handler<[data: Buffer | null]>;
  REQUEST_FAILURE?: Handler<[]>;
  /** Replies to channel requests; ssh2 shifts `channel._callbacks` and drops replies on a not-started session. */
  CHANNEL_SUCCESS?: Handler<[recipient: number]>;
  CHANNEL_FAILURE?: Handler<[recipient: number]>;
  CHANNEL_OPEN?: Handler<[info: { readonly type: string; readonly sender: number }]>;
  CHANNEL_REQUEST?: Handler<[recipient: number, type: string, wantReply: boolean, data: unknown]>;
  CHANNEL_OPEN_CONFIRMATION?: Handler<[info: { readonly recipient: number; readonly sender: number }]>;
  CHANNEL_CLOSE?: Handler<[recipient: number]>;
  CHANNEL_DATA?: Handler<[recipient: number, data: Buffer]>;
  CHANNEL_EXTENDED_DATA?: Handler<[recipient: number, data: Buffer, type: number]>;
  USERAUTH_REQUEST?: Handler<[username: string, ...rest: unknown[]]>;
}

/** `conn._protocol`: the per-connection Protocol (protocol/Protocol.js); ssh2's own server keepalive pings. */
export interface Ssh2Protocol extends SharedProtocol {
  channelClose(channel: number): void;
  /** `channelOpenConfirm(remote, local, window, packetSize)`: we accept a channel the client opened. */
  channelOpenConfirm(remote: number, local: number, window: number, packetSize: number): void;
  channelData(channel: number, data: Buffer): void;
  channelExtData(channel: number, data: Buffer, type: number): void;
  _handlers: MessageHandlers;
}

/** A channel's state on one side (Channel.js). */
export interface ChannelSide {
  readonly id: number;
  state: string;
}

/** A server-side `Channel` (Channel.js) or `Session` (server.js:188-213) as `_chanMgr` stores them. */
export interface Ssh2ChannelLike {
  readonly type?: string;
  readonly subtype?: string;
  /** Channel: both sides. */
  readonly incoming?: ChannelSide;
  readonly outgoing?: ChannelSide;
  /** Channel: reply callbacks of its own want-reply requests. */
  readonly _callbacks?: unknown[];
  /** Session: the channel its shell/exec/subsystem started, the ids, and whether the client sent EOF/CLOSE. */
  readonly _channel?: Ssh2ChannelLike;
  readonly _chanInfo?: { readonly incoming: ChannelSide; readonly outgoing: ChannelSide };
  readonly _ending?: boolean;
  close?(): void;
  once?(event: "close", listener: () => void): unknown;
  removeListener?(event: "close", listener: () => void): unknown;
}

/** `conn._chanMgr` (utils.js:124-203): channel id → Channel, Session, a pending-open callback or `true`. */
export interface ChannelManager {
  get(id: number): unknown;
  readonly _channels: Record<number, unknown>;
}

/** The private fields of an ssh2 server `Connection` (server.js:398-404). */
export interface Ssh2ConnectionInternals {
  _protocol: Ssh2Protocol;
  _sock: Socket;
  _chanMgr: ChannelManager;
  authenticated: boolean;
}

/** `server._srv` (server.js:327): the net.Server whose 'connection' creates each ssh2 Connection. */
export interface Ssh2ServerInternals {
  _srv: NetServer;
}

/** The message handlers the adapter wraps; REQUEST_SUCCESS/FAILURE it installs (ssh2's server has none). */
const WRAPPED_HANDLERS = [
  "CHANNEL_SUCCESS",
  "CHANNEL_FAILURE",
  "CHANNEL_REQUEST",
  "CHANNEL_OPEN",
  "CHANNEL_OPEN_CONFIRMATION",
  "CHANNEL_CLOSE",
  "CHANNEL_DATA",
  "CHANNEL_EXTENDED_DATA",
  "USERAUTH_REQUEST",
] as const;

const PROTOCOL_METHODS = [
  "ping",
  "channelSuccess",
  "channelFailure",
  "channelClose",
  "channelOpenConfirm",
  "channelData",
  "channelExtData",
  "rekey",
] as const;

/** The server's internals, typed. One of the two places the adapter casts. */
export function serverInternalsOf(server: object): Ssh2ServerInternals {
  return server as Ssh2ServerInternals;
}

/** A connection's internals, typed. The other place the adapter casts. */
export function connectionInternalsOf(connection: object): Ssh2ConnectionInternals {
  return connection as Ssh2ConnectionInternals;
}

/**
 * Checks what can be checked on a Server before any connection: its net.Server, the Protocol class and sendPacket.
 *
 * @throws {Ssh2CompatibilityError} naming the first missing piece.
 */
export function checkServer(server: object): Ssh2ServerInternals {
  const internals = serverInternalsOf(server);
  const net = internals._srv as Partial<NetServer> | undefined;
  if (typeof net?.prependListener !== "function" || typeof net.removeListener !== "function") {
    throw new Ssh2CompatibilityError("Server#_srv (net.Server)");
  }
  checkModules();
  return internals;
}

/** The Protocol class and `sendPacket`, which every connection uses. */
export function checkModules(): void {
  checkShared(Ssh2CompatibilityError, PROTOCOL_METHODS);
}

/**
 * Checks the per-connection internals of a server Connection.
 *
 * @throws {Ssh2CompatibilityError} naming the first missing piece.
 */
export function checkConnection(connection: object): Ssh2ConnectionInternals {
  const internals = connectionInternalsOf(connection);
  const protocol = internals._protocol;
  const socket = internals._sock;
  if (typeof protocol !== "object" || protocol === null) throw new Ssh2CompatibilityError("Connection#_protocol");
  if (typeof socket?.destroy !== "function" || typeof socket.write !== "function") {
    throw new Ssh2CompatibilityError("Connection#_sock.destroy/write");
  }
  if (typeof internals._chanMgr?.get !== "function" || typeof internals._chanMgr._channels !== "object") {
    throw new Ssh2CompatibilityError("Connection#_chanMgr.get/_channels");
  }
  if (typeof internals.authenticated !== "boolean") throw new Ssh2CompatibilityError("Connection#authenticated");
  checkProtocol(protocol, Ssh2CompatibilityError, WRAPPED_HANDLERS);
  return internals;
}

/** The socket of an ssh2 server Connection (`conn._sock`), without checking anything else. */
export function socketOf(connection: object): Socket | undefined {
  const socket = (connection as Partial<Ssh2ConnectionInternals>)._sock;
  return typeof socket === "object" && socket !== null ? socket : undefined;
}

/** What `_chanMgr` holds for `id`, as a channel or session object, or `undefined` for anything else. */
export function channelAt(internals: Ssh2ConnectionInternals, id: number): Ssh2ChannelLike | undefined {
  let value: unknown;
  try {
    value = internals._chanMgr.get(id);
  } catch {
    return undefined; // ssh2 throws for ids out of range
  }
  return typeof value === "object" && value !== null ? (value as Ssh2ChannelLike) : undefined;
}

/** Whether a `_chanMgr` entry is a server Session (an EventEmitter with `_chanInfo`, not a Channel). */
export function isSession(channel: Ssh2ChannelLike): boolean {
  return channel._chanInfo !== undefined && channel.outgoing === undefined;
}

/** The ids and states of a channel or session. */
export function sidesOf(channel: Ssh2ChannelLike): { incoming: ChannelSide; outgoing: ChannelSide } | undefined {
  if (channel._chanInfo !== undefined) return channel._chanInfo;
  if (channel.incoming !== undefined && channel.outgoing !== undefined) {
    return { incoming: channel.incoming, outgoing: channel.outgoing };
  }
  return undefined;
}

/** The reply callbacks ssh2 keeps for its own requests on `channel` (a session's are on its started channel). */
export function channelCallbacks(channel: Ssh2ChannelLike): number {
  return (channel._channel ?? channel)._callbacks?.length ?? 0;
}

/**
 * The first channel we have not closed, as OpenSSH's `channel_find_open()` picks it for ClientAlive; its
 * local id and the client's id. Channel ids are integer keys, so iteration is in ascending order.
 */
export function firstOpenChannel(
  internals: Ssh2ConnectionInternals,
): { readonly local: number; readonly remote: number; readonly channel: Ssh2ChannelLike } | undefined {
  const channels = internals._chanMgr._channels;
  for (const key in channels) {
    const value = channels[key as unknown as number];
    if (typeof value !== "object" || value === null) continue;
    const channel = value as Ssh2ChannelLike;
    const sides = sidesOf(channel);
    // The client's EOF (`_ending` on a session) leaves the channel open for requests, as in OpenSSH.
    if (sides === undefined || sides.incoming.state === "closed") continue;
    if (sides.outgoing.state !== "open" && sides.outgoing.state !== "eof") continue;
    return { local: sides.incoming.id, remote: sides.outgoing.id, channel };
  }
  return undefined;
}

/** A handler of `_handlers`, as a hook installs it. */
export type HandlerOf<K extends keyof MessageHandlers> = NonNullable<MessageHandlers[K]>;
