/**
 * A stand-in for ssh2's Protocol for tests: the packet writer and cipher of ssh2's real `sendPacket` path, each
 * packet it would have encrypted kept in `sent`, and a key exchange that can be opened and closed by hand.
 */
import type { Ssh2Protocol } from "./protocol.ts";
import { sendGlobalKeepalive } from "./writers.ts";

export interface FakeProtocol extends Ssh2Protocol {
  /** Payloads sent outside a key exchange, in order (message number first). */
  readonly sent: Buffer[];
  /** Payloads ssh2 queued during a key exchange (`sendPacket` pushes them here). */
  _queue: Buffer[] | undefined;
  _cipher: { encrypt(packet: Buffer): void };
  /** Starts a key exchange: packets queue and inbound ones skip `_onPacket`. */
  startKeyExchange(): void;
  /** Ends it: the queue goes out, as after NEWKEYS. */
  endKeyExchange(): void;
}

/** A fresh fake protocol; `handlers` become its `_handlers`. */
export function fakeProtocol<H extends object>(handlers: H): FakeProtocol & { _handlers: H } {
  const onPayload = (): void => {};
  const sent: Buffer[] = [];
  const protocol: FakeProtocol & { _handlers: H } = {
    sent,
    _queue: undefined,
    _cipher: { encrypt: (packet) => sent.push(packet) },
    _handlers: handlers,
    _packetRW: {
      write: { allocStart: 0, alloc: (size) => Buffer.alloc(size), finalize: (packet) => packet },
    },
    _kexinit: undefined,
    _onPayload: onPayload,
    _decipher: { _onPayload: onPayload },
    _onPacket: () => {},
    ping() {
      sendGlobalKeepalive(this);
    },
    // ssh2's replies to channel requests, recorded as their message number and recipient.
    channelSuccess(channel) {
      sent.push(Buffer.from([99, 0, 0, 0, channel]));
    },
    channelFailure(channel) {
      sent.push(Buffer.from([100, 0, 0, 0, channel]));
    },
    rekey() {},
    parse() {},
    startKeyExchange() {
      this._kexinit = {};
      (this._decipher as { _onPayload: unknown })._onPayload = () => {};
    },
    endKeyExchange() {
      this._kexinit = undefined;
      (this._decipher as { _onPayload: unknown })._onPayload = this._onPayload;
      for (const packet of this._queue?.splice(0) ?? []) sent.push(packet);
    },
  };
  return protocol;
}
