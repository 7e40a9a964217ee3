/**
 * The part of ssh2's `Protocol` (protocol/Protocol.js) both adapters reach, typed narrowly, and the attach-time
 * guard that checks each piece, so that an ssh2 release that moves one fails loudly instead of silently disabling
 * liveness checks. Each adapter extends {@linkcode Ssh2Protocol} with its own side's handlers and checks those too.
 *
 * Line numbers refer to ssh2 1.17.0.
 */
import Protocol from "ssh2/lib/protocol/Protocol.js";
import protocolUtils from "ssh2/lib/protocol/utils.js";
import type { Incompatible } from "./errors.ts";

/** `_packetRW.write`: a PacketWriter (zlib.js); `allocStart` is 5 normally and 0 during a key exchange. */
export interface PacketWriter {
  readonly allocStart: number;
  alloc(payloadSize: number, force?: boolean): Buffer;
  finalize(packet: Buffer, force?: boolean): Buffer;
}

/** `client._protocol` / `conn._protocol`: what both sides of ssh2 share. */
export interface Ssh2Protocol {
  /** GLOBAL_REQUEST keepalive@openssh.com, want-reply (Protocol.js:343-353); ssh2's own keepalives call it. */
  ping(): void;
  /** Takes the bytes ssh2's socket 'data' listener read (Protocol.js:311). */
  parse(chunk: Buffer, i: number, len: number): void;
  channelSuccess(channel: number): void;
  channelFailure(channel: number): void;
  /** Starts a key exchange (Protocol.js:354-362). Used by tests. */
  rekey(): void;
  /** Called (as a method) for every decrypted packet outside a key exchange: ssh2's keepalive reset, or a noop. */
  _onPacket: () => void;
  /** Connection-protocol handlers, looked up per packet (handlers.misc.js); each adapter types its side's. */
  _handlers: object;
  _packetRW: { write: PacketWriter };
  /** Defined while a key exchange is in progress: sendPacket queues then. */
  _kexinit: unknown;
  /** The normal payload handler; during a key exchange the decipher calls onKEXPayload instead. */
  _onPayload: unknown;
  _decipher: { _onPayload: unknown } | undefined;
}

/** `sendPacket(proto, packet)` (utils.js:343-355): encrypts and writes, or queues during a key exchange. */
const sendPacketFn: unknown = (protocolUtils as { sendPacket?: unknown } | undefined)?.sendPacket;

/**
 * Checks what can be checked before any connection: the Protocol class's `methods` and `sendPacket`.
 *
 * @throws {Incompatible} (the adapter's Ssh2CompatibilityError) naming the first missing piece.
 */
export function checkModules(Incompatible: Incompatible, methods: readonly string[]): void {
  const prototype = (Protocol as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  // `parse` for every adapter: activity marking reads the socket's bytes there (see markParsed).
  for (const method of ["parse", ...methods]) {
    if (typeof prototype?.[method] !== "function") throw new Incompatible(`Protocol#${method}`);
  }
  if (typeof sendPacketFn !== "function") {
    throw new Incompatible("sendPacket in ssh2/lib/protocol/utils.js");
  }
}

/**
 * Checks one connection's Protocol: `_onPacket`, `_onPayload`, the packet writer, and each of `handlers` on
 * `_handlers`.
 *
 * @throws {Incompatible} (the adapter's Ssh2CompatibilityError) naming the first missing piece.
 */
export function checkProtocol(protocol: unknown, Incompatible: Incompatible, handlers: readonly string[]): void {
  const p = protocol as Partial<Ssh2Protocol>;
  if (typeof p._onPacket !== "function") throw new Incompatible("Protocol#_onPacket");
  if (typeof p._onPayload !== "function") throw new Incompatible("Protocol#_onPayload");
  const table = p._handlers as Record<string, unknown> | null | undefined;
  if (typeof table !== "object" || table === null) throw new Incompatible("Protocol#_handlers");
  for (const name of handlers) {
    if (typeof table[name] !== "function") throw new Incompatible(`Protocol#_handlers.${name}`);
  }
  const writer = p._packetRW?.write;
  if (
    typeof writer?.allocStart !== "number" ||
    typeof writer.alloc !== "function" ||
    typeof writer.finalize !== "function"
  ) {
    throw new Incompatible("Protocol#_packetRW.write.allocStart/alloc/finalize");
  }
}

/**
 * Whether inbound packets currently bypass `_onPacket`: a key exchange is in progress (kex.js:498-506), and its
 * packets go to onKEXPayload.
 *
 * @example
 * ```ts
 * import { inKeyExchange } from "@tsalive/ssh2-layer";
 * const onPayload = () => {};
 * inKeyExchange({ _kexinit: undefined, _onPayload: onPayload, _decipher: { _onPayload: onPayload } }); // false
 * ```
 */
export function inKeyExchange(protocol: Pick<Ssh2Protocol, "_kexinit" | "_onPayload" | "_decipher">): boolean {
  return protocol._kexinit !== undefined || protocol._decipher?._onPayload !== protocol._onPayload;
}

/** Encrypts and writes `packet` (finalized by `_packetRW.write`), or queues it while a key exchange runs. */
export function sendPacket(protocol: Ssh2Protocol, packet: Buffer): void {
  (sendPacketFn as (protocol: Ssh2Protocol, packet: Buffer) => boolean)(protocol, packet);
}
