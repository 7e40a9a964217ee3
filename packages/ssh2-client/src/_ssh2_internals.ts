/**
 * Every private part of ssh2 this adapter touches, typed narrowly, in one place (see SSH2-NOTES.md). ssh2 has no
 * public API for a probe with a reply callback, for SSH_MSG_IGNORE, or for packet-level activity, so the adapter
 * reaches into these; `checkClient` and `checkConnection` verify each of them when attaching, and
 * test/contract.test.ts exercises each against a real connection so that an ssh2 release that moves one fails
 * loudly instead of silently disabling liveness checks.
 *
 * Line numbers refer to ssh2 1.17.0.
 */
import type { Socket } from "node:net";
import Protocol from "ssh2/lib/protocol/Protocol.js";
import protocolUtils from "ssh2/lib/protocol/utils.js";
import { Ssh2CompatibilityError } from "./errors.ts";

/** `_packetRW.write`: a PacketWriter (zlib.js); `allocStart` is 5 normally and 0 during a key exchange. */
export interface PacketWriter {
  readonly allocStart: number;
  alloc(payloadSize: number, force?: boolean): Buffer;
  finalize(packet: Buffer, force?: boolean): Buffer;
}

/** What CHANNEL_OPEN_CONFIRMATION hands its handler (handlers.misc.js). */
export interface OpenConfirmation {
  /** Our channel id. */
  readonly recipient: number;
  /** The server's channel id. */
  readonly sender: number;
}

/** Connection-protocol handlers on `_protocol._handlers`, looked up per packet (handlers.misc.js). */
export interface MessageHandlers {
  USERAUTH_SUCCESS?: ((protocol: Ssh2Protocol) => void) | undefined;
  CHANNEL_REQUEST?:
    | ((protocol: Ssh2Protocol, recipient: number, type: string, wantReply: boolean, data: unknown) => void)
    | undefined;
  CHANNEL_OPEN_CONFIRMATION?: ((protocol: Ssh2Protocol, info: OpenConfirmation) => void) | undefined;
  CHANNEL_OPEN_FAILURE?: ((protocol: Ssh2Protocol, recipient: number, ...rest: unknown[]) => void) | undefined;
  CHANNEL_CLOSE?: ((protocol: Ssh2Protocol, recipient: number) => void) | undefined;
}

/** `client._protocol`: the per-connection Protocol (protocol/Protocol.js). */
export interface Ssh2Protocol {
  /** GLOBAL_REQUEST keepalive@openssh.com, want-reply (Protocol.js:343-353); the reply shifts `client._callbacks`. */
  ping(): void;
  channelSuccess(channel: number): void;
  channelFailure(channel: number): void;
  /** Starts a key exchange (Protocol.js:354-362). Used by tests. */
  rekey(): void;
  /** Called for every decrypted packet outside a key exchange; the client passes none, so it is a noop. */
  _onPacket: () => void;
  /** Called once with the server's identification (Protocol.js:128-131). */
  _onHeader: (header: unknown) => void;
  _handlers: MessageHandlers;
  _packetRW: { write: PacketWriter };
  /** Defined while a key exchange is in progress: sendPacket queues then. */
  _kexinit: unknown;
  /** The normal payload handler; during a key exchange the decipher calls onKEXPayload instead. */
  _onPayload: unknown;
  _decipher: { _onPayload: unknown } | undefined;
  /** Set once USERAUTH_SUCCESS arrived (Protocol.js:2044-2052). */
  _authenticated: boolean;
}

/** A channel as `client._chanMgr.get()` returns it once open (Channel.js). */
export interface Ssh2Channel {
  readonly outgoing: { readonly id: number; readonly state: string };
  readonly _exit: { readonly code?: number | null };
}

/** A reply callback on `client._callbacks`: `(false, data)` on success, `(true)` on failure, an Error on close. */
export type GlobalReplyCallback = (failedOrError: boolean | Error, data?: unknown) => void;

/** The private fields of an ssh2 `Client` (client.js); all are declared in its constructor. */
export interface Ssh2ClientInternals {
  _protocol: Ssh2Protocol | undefined;
  _sock: Socket | undefined;
  /** FIFO of global-request reply callbacks, replaced on every connect() and on close (client.js:248, 822-826). */
  _callbacks: GlobalReplyCallback[] | undefined;
  /** Channel ids to a Channel, a pending-open callback (function), `true` (reserved) or undefined. */
  _chanMgr: { get(id: number): unknown } | undefined;
  /** ssh2's keepalive reset of the current connection (client.js:744-752). */
  _resetKA: (() => void) | undefined;
  config: { host?: string; port?: number; keepaliveInterval?: number };
  connect(config: object): unknown;
}

/** `sendPacket(proto, packet)` (utils.js:343-355): encrypts and writes, or queues during a key exchange. */
const sendPacket: unknown = (protocolUtils as { sendPacket?: unknown } | undefined)?.sendPacket;

const SSH_MSG_IGNORE = 2;

/** The message handlers the adapter wraps. */
const HANDLERS = [
  "USERAUTH_SUCCESS",
  "CHANNEL_REQUEST",
  "CHANNEL_OPEN_CONFIRMATION",
  "CHANNEL_OPEN_FAILURE",
  "CHANNEL_CLOSE",
] as const;

/** The client's internals, typed. The one place the adapter casts. */
export function internalsOf(client: object): Ssh2ClientInternals {
  return client as Ssh2ClientInternals;
}

/**
 * Checks what can be checked before a connection exists: the Client's private fields and the Protocol class.
 *
 * @throws {Ssh2CompatibilityError} naming the first missing piece.
 */
export function checkClient(client: object): void {
  const internals = internalsOf(client);
  if (typeof internals.connect !== "function") throw new Ssh2CompatibilityError("Client#connect");
  for (const field of ["_protocol", "_sock", "_callbacks", "_chanMgr", "_resetKA"] as const) {
    if (!(field in client)) throw new Ssh2CompatibilityError(`Client#${field}`);
  }
  if (typeof internals.config !== "object" || internals.config === null) {
    throw new Ssh2CompatibilityError("Client#config");
  }
  const prototype = (Protocol as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  for (const method of ["ping", "channelSuccess", "channelFailure", "rekey"]) {
    if (typeof prototype?.[method] !== "function") throw new Ssh2CompatibilityError(`Protocol#${method}`);
  }
  if (typeof sendPacket !== "function") throw new Ssh2CompatibilityError("sendPacket in ssh2/lib/protocol/utils.js");
}

/**
 * Checks the per-connection internals of a client whose `connect()` has run.
 *
 * @throws {Ssh2CompatibilityError} naming the first missing piece.
 */
export function checkConnection(internals: Ssh2ClientInternals): { protocol: Ssh2Protocol; socket: Socket } {
  const protocol = internals._protocol;
  const socket = internals._sock;
  if (typeof protocol !== "object" || protocol === null) throw new Ssh2CompatibilityError("Client#_protocol");
  if (typeof socket?.destroy !== "function" || typeof socket.write !== "function") {
    throw new Ssh2CompatibilityError("Client#_sock.destroy/write");
  }
  if (!Array.isArray(internals._callbacks)) throw new Ssh2CompatibilityError("Client#_callbacks (array)");
  if (typeof internals._chanMgr?.get !== "function") throw new Ssh2CompatibilityError("Client#_chanMgr.get");
  if (typeof protocol._onPacket !== "function") throw new Ssh2CompatibilityError("Protocol#_onPacket");
  if (typeof protocol._onHeader !== "function") throw new Ssh2CompatibilityError("Protocol#_onHeader");
  if (typeof protocol._onPayload !== "function") throw new Ssh2CompatibilityError("Protocol#_onPayload");
  if (typeof protocol._handlers !== "object" || protocol._handlers === null) {
    throw new Ssh2CompatibilityError("Protocol#_handlers");
  }
  for (const name of HANDLERS) {
    if (typeof protocol._handlers[name] !== "function") throw new Ssh2CompatibilityError(`Protocol#_handlers.${name}`);
  }
  const writer = protocol._packetRW?.write;
  if (
    typeof writer?.allocStart !== "number" ||
    typeof writer.alloc !== "function" ||
    typeof writer.finalize !== "function"
  ) {
    throw new Ssh2CompatibilityError("Protocol#_packetRW.write.allocStart/alloc/finalize");
  }
  if (typeof protocol._authenticated !== "boolean") throw new Ssh2CompatibilityError("Protocol#_authenticated");
  return { protocol, socket };
}

/**
 * Sends `SSH_MSG_IGNORE` with empty data through ssh2's queued send path: during a key exchange it waits in the
 * protocol's queue (an IGNORE sent mid-KEX under strict KEX is fatal) and goes out after NEWKEYS.
 */
export function sendIgnore(protocol: Ssh2Protocol): void {
  const writer = protocol._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(5);
  packet[start] = SSH_MSG_IGNORE;
  packet.writeUInt32BE(0, start + 1); // string data: empty
  (sendPacket as (protocol: Ssh2Protocol, packet: Buffer) => boolean)(protocol, writer.finalize(packet));
}

/** Whether inbound packets currently bypass `_onPacket` (a key exchange is in progress: kex.js:498-506). */
export function inKeyExchange(protocol: Ssh2Protocol): boolean {
  return protocol._kexinit !== undefined || protocol._decipher?._onPayload !== protocol._onPayload;
}

/** The state of channel `id` as ssh2's CHANNEL_REQUEST handler sees it (client.js:655-681). */
export function channelState(
  internals: Ssh2ClientInternals,
  id: number,
): { readonly kind: "open"; readonly channel: Ssh2Channel } | { readonly kind: "opening" | "unknown" } {
  const channel = internals._chanMgr?.get(id);
  if (typeof channel === "function") return { kind: "opening" };
  if (typeof channel !== "object" || channel === null) return { kind: "unknown" };
  return { kind: "open", channel: channel as Ssh2Channel };
}

/**
 * The client's open channels with their type and subtype (`session`/`exec`, `direct-tcpip`), ids ascending, from
 * `_chanMgr._channels` (utils.js:124-130), where an open channel is a Channel object (a pending open is a function,
 * a reserved id `true`). `undefined` when that field is not there (another ssh2): a dump then says nothing.
 */
export function openChannels(
  internals: Ssh2ClientInternals,
): readonly { readonly id: number; readonly type: string; readonly subtype: string | undefined }[] | undefined {
  const channels = (internals._chanMgr as { _channels?: unknown } | undefined)?._channels;
  if (typeof channels !== "object" || channels === null) return undefined;
  const open: { id: number; type: string; subtype: string | undefined }[] = [];
  for (const [key, value] of Object.entries(channels)) {
    const channel = value as { type?: unknown; subtype?: unknown } | null;
    if (typeof channel !== "object" || channel === null || typeof channel.type !== "string") continue;
    open.push({
      id: Number(key),
      type: channel.type,
      subtype: typeof channel.subtype === "string" ? channel.subtype : undefined,
    });
  }
  return open.sort((a, b) => a.id - b.id);
}
