/**
 * The server side of a SOCKS CONNECT, as `-D` needs it: SOCKS 5 (RFC 1928, with only the "no authentication
 * required" method, RFC 1929's username/password is not offered), SOCKS 4 and SOCKS 4a. No npm package serves all
 * three with a caller-supplied connect (each one found does SOCKS 5 only, or 4 only, or dials itself), so this is a
 * small one, exact to the RFCs: the reply is sent once the channel's fate is known, with the RFC's reply code.
 *
 * @module
 */
import type { Socket } from "node:net";

/** A CONNECT request read from a SOCKS client, waiting for its reply. */
export interface SocksRequest {
  readonly version: 4 | 5;
  /** The destination: a host name (SOCKS 4a, SOCKS 5 ATYP 3) or an address. */
  readonly host: string;
  readonly port: number;
  /** Bytes the client sent after its request, to pass on once connected. */
  readonly rest: Buffer;
  /** Sends the reply: `0` succeeded, else a SOCKS 5 REP code (1-8), which SOCKS 4 turns into 91 (rejected). */
  reply(code: SocksReplyCode): void;
}

/** RFC 1928 §6's reply codes. */
export const SOCKS_REPLY = {
  succeeded: 0,
  generalFailure: 1,
  notAllowedByRuleset: 2,
  networkUnreachable: 3,
  hostUnreachable: 4,
  connectionRefused: 5,
  ttlExpired: 6,
  commandNotSupported: 7,
  addressTypeNotSupported: 8,
} as const;
export type SocksReplyCode = (typeof SOCKS_REPLY)[keyof typeof SOCKS_REPLY];

/** A SOCKS client that broke the protocol or asked for what is not served; the socket has been answered and ended. */
export class SocksError extends Error {
  override name = "SocksError";
}

const NAME_MAX = 255;

/** Buffers a socket's bytes so the handshake can be read field by field. */
class Reader {
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #ended = false;
  readonly #onData = (chunk: Buffer) => {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#wake?.();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#wake?.();
  };

  constructor(readonly socket: Socket) {
    socket.on("data", this.#onData);
    socket.once("end", this.#onEnd);
    socket.once("close", this.#onEnd);
  }

  async take(n: number): Promise<Buffer> {
    while (this.#buffer.length < n) {
      if (this.#ended) throw new SocksError("the client closed the connection during the SOCKS handshake");
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }

  async byte(): Promise<number> {
    return (await this.take(1))[0] as number;
  }

  /** A NUL-terminated string (SOCKS 4's USERID and 4a's host name), at most NAME_MAX bytes. */
  async cString(): Promise<string> {
    const bytes: number[] = [];
    for (;;) {
      const b = await this.byte();
      if (b === 0) return Buffer.from(bytes).toString("latin1");
      if (bytes.length >= NAME_MAX) throw new SocksError("SOCKS 4 string too long");
      bytes.push(b);
    }
  }

  /** Stops reading: the socket is paused, and what was read past the request is returned. */
  release(): Buffer {
    this.socket.off("data", this.#onData);
    this.socket.off("end", this.#onEnd);
    this.socket.off("close", this.#onEnd);
    this.socket.pause();
    return this.#buffer;
  }
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(":");
}

async function readSocks5(reader: Reader, socket: Socket): Promise<SocksRequest> {
  const methods = await reader.take(await reader.byte());
  if (!methods.includes(0x00)) {
    // RFC 1928 §3: X'FF' NO ACCEPTABLE METHODS, then the client must close.
    socket.end(Buffer.from([0x05, 0xff]));
    throw new SocksError("the SOCKS 5 client offers no method that needs no authentication");
  }
  socket.write(Buffer.from([0x05, 0x00]));
  const [version, command, , type] = await reader.take(4);
  const fail = (code: SocksReplyCode, why: string): never => {
    socket.end(Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
    throw new SocksError(why);
  };
  if (version !== 0x05) fail(SOCKS_REPLY.generalFailure, `SOCKS 5 request with version ${version}`);
  let host: string;
  if (type === 0x01) host = [...(await reader.take(4))].join(".");
  else if (type === 0x03) host = (await reader.take(await reader.byte())).toString("latin1");
  else if (type === 0x04) host = ipv6(await reader.take(16));
  else return fail(SOCKS_REPLY.addressTypeNotSupported, `SOCKS 5 address type ${type}`);
  const port = (await reader.take(2)).readUInt16BE(0);
  if (command !== 0x01) fail(SOCKS_REPLY.commandNotSupported, `SOCKS 5 command ${command} (only CONNECT is served)`);
  return {
    version: 5,
    host,
    port,
    rest: reader.release(),
    // BND.ADDR and BND.PORT: the server's side of the channel is not known here, so 0.0.0.0:0 (as ssh sends).
    reply: (code) => {
      const message = Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
      if (code === SOCKS_REPLY.succeeded) socket.write(message);
      else socket.end(message);
    },
  };
}

async function readSocks4(reader: Reader, socket: Socket): Promise<SocksRequest> {
  const head = await reader.take(7);
  const command = head[0];
  const port = head.readUInt16BE(1);
  const address = [...head.subarray(3, 7)];
  await reader.cString(); // USERID: no identd check, as ssh.
  // SOCKS 4a: 0.0.0.x with x non-zero means a host name follows the USERID.
  const named = address[0] === 0 && address[1] === 0 && address[2] === 0 && address[3] !== 0;
  const host = named ? await reader.cString() : address.join(".");
  const answer = (granted: boolean) => {
    const message = Buffer.from([0x00, granted ? 90 : 91, 0, 0, 0, 0, 0, 0]);
    if (granted) socket.write(message);
    else socket.end(message);
  };
  if (command !== 0x01) {
    answer(false);
    throw new SocksError(`SOCKS 4 command ${command} (only CONNECT is served)`);
  }
  return {
    version: 4,
    host,
    port,
    rest: reader.release(),
    reply: (code) => answer(code === SOCKS_REPLY.succeeded),
  };
}

/**
 * Reads a SOCKS 4, 4a or 5 CONNECT request from a client that just connected. The caller opens the connection,
 * then calls `reply` with the outcome.
 *
 * @throws {SocksError} when the client breaks the protocol, asks for another command or only offers
 * authentication; the client has been answered as the RFC says and the socket ended.
 * @example
 * ```ts no-run
 * import { createServer } from "node:net";
 * import { readSocksRequest, SOCKS_REPLY } from "./socks.ts";
 * createServer(async (socket) => {
 *   const request = await readSocksRequest(socket);
 *   request.reply(SOCKS_REPLY.connectionRefused); // or open request.host:request.port, reply 0 and pipe
 * }).listen(1080, "127.0.0.1");
 * ```
 */
export async function readSocksRequest(socket: Socket): Promise<SocksRequest> {
  const reader = new Reader(socket);
  try {
    const version = await reader.byte();
    if (version === 0x05) return await readSocks5(reader, socket);
    if (version === 0x04) return await readSocks4(reader, socket);
    socket.destroy();
    throw new SocksError(`not a SOCKS client (first byte ${version})`);
  } catch (error) {
    reader.release();
    if (!socket.destroyed && !socket.writableEnded) socket.destroy();
    throw error;
  }
}

/**
 * The SOCKS 5 reply code for an SSH channel open failure (RFC 4254 §5.1 reason code and description): refused by
 * the server's rules, or the server's connect() error as sshd describes it.
 *
 * @example
 * ```ts
 * import { replyForOpenFailure } from "./socks.ts";
 * replyForOpenFailure(2, "Connection refused"); // 5
 * replyForOpenFailure(1, "open failed"); // 2
 * ```
 */
export function replyForOpenFailure(reason: number | undefined, description: string): SocksReplyCode {
  if (reason === 1) return SOCKS_REPLY.notAllowedByRuleset;
  if (reason !== 2) return SOCKS_REPLY.generalFailure;
  if (/refused/i.test(description)) return SOCKS_REPLY.connectionRefused;
  if (/network is unreachable/i.test(description)) return SOCKS_REPLY.networkUnreachable;
  if (/no route|unreachable|not known|timed out/i.test(description)) return SOCKS_REPLY.hostUnreachable;
  return SOCKS_REPLY.generalFailure;
}
