/**
 * The client's identification line, handed to ssh2 whole. ssh2 1.17 keeps only the first read of a line that
 * arrives in three reads or more (Protocol.js:2021-2022 sets its `_buffer` once and never extends it), so
 * `SSH-2.0-Op`, `enSSH_9`, `.2p1\r\n` parse as `SSH-2.0-Op.2p1`. The exchange hash then covers another line than
 * the client's, and the client's host-key check fails ("incorrect signature"); or the line no longer parses and ssh2
 * closes the connection. A slow or fragmenting link does this to real clients. Until the first line feed, the
 * socket's chunks are held back from ssh2 and handed over as one; a first chunk that holds the whole line (the
 * usual case) goes through as it came.
 */
import type { Socket } from "node:net";
import { hook, type Marks, previous, stateOf, unhook } from "@tsalive/ssh2-layer";

type Push = Socket["push"];

/** What the hold reads and sets in the connection's state (bound on its socket with `bindState`). */
export interface IdentificationState {
  /** Set once the line passed: from then on chunks pass untouched. */
  identified: boolean;
  readonly monitor: Marks | undefined;
}

/** ssh2's MAX_LINE_LEN (Protocol.js:85): ssh2 refuses a longer line anyway, so that much is handed over as it is. */
const MAX_LINE = 8192;
const LF = 0x0a;

// Only a socket whose line is still coming has chunks here.
const held = new WeakMap<Socket, Uint8Array[]>();

function push(this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
  const next = previous(this, push) as Push;
  const state = stateOf<IdentificationState>(this);
  if (state === undefined || state.identified) return next.call(this, chunk, encoding);
  if (!(chunk instanceof Uint8Array)) {
    // The end (null) before the line feed: what came goes first.
    handOver(this, state, next);
    return next.call(this, chunk, encoding);
  }
  const before = held.get(this);
  if (before === undefined && (chunk.includes(LF) || chunk.length >= MAX_LINE)) {
    state.identified = true;
    return next.call(this, chunk, encoding);
  }
  const chunks = before ?? [];
  chunks.push(chunk);
  if (!chunk.includes(LF) && chunks.reduce((size, each) => size + each.length, 0) < MAX_LINE) {
    held.set(this, chunks);
    // Held back, and activity all the same: no 'data' listener sees it yet.
    state.monitor?.markInbound(false);
    return true;
  }
  return handOver(this, state, next);
}

/** Ends the hold: what is held goes on as one chunk, and `next`'s answer for it comes back. */
function handOver(socket: Socket, state: IdentificationState, next: Push): boolean {
  state.identified = true;
  const chunks = held.get(socket);
  held.delete(socket);
  return chunks === undefined || next.call(socket, Buffer.concat(chunks));
}

/**
 * Holds the socket's first chunks back from ssh2 until they make a whole line (see above), then passes every chunk
 * on. It stays until {@linkcode releaseIdentification} (detach): taking a property off a socket makes V8 keep its
 * properties in a dictionary, 1.26 KiB more per idle connection in the heap bench.
 */
export function holdIdentification(socket: Socket): void {
  hook(socket, "push", push as Push);
}

/**
 * Ends the hold: what is held goes on, and so does every chunk after it. For a connection ssh2 made (its
 * 'connection' event comes once the line arrived), including one attached by `attachConnection()` after that.
 */
export function passIdentification(socket: Socket): void {
  const next = previous(socket, push) as Push | undefined;
  const state = stateOf<IdentificationState>(socket);
  if (next !== undefined && state !== undefined && !state.identified) handOver(socket, state, next);
}

/**
 * Ends the hold and takes the hook out, unless someone wrapped `push` over it since (it then passes every chunk on
 * untouched).
 */
export function releaseIdentification(socket: Socket): void {
  passIdentification(socket);
  unhook(socket, "push", push as Push);
}
