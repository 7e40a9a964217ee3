/**
 * The server's identification line, handed to ssh2's parser whole. ssh2 1.17 keeps only the first read of a
 * header that arrives in three reads or more (Protocol.js:2021-2022 sets its `_buffer` once and never extends
 * it), so `SSH-2.0-Op`, `enSSH_9`, `.2p1\r\n` parse as `SSH-2.0-Op.2p1`: the exchange hash then covers another
 * line than the server's and ssh2 reports a failed signature check, or the line no longer parses. A slow or
 * fragmenting link does this to real servers. The server may send other lines first (RFC 4253, section 4.2):
 * until a line that starts with `SSH-` has its line feed, what ssh2 would parse is held back and handed over as
 * one chunk; a first chunk that holds the line (the usual case) goes through as it came.
 */
import { hook, previous, stateOf, unhook } from "@tsalive/ssh2-layer";
import type { Ssh2Protocol } from "./_ssh2_internals.ts";

type Parse = Ssh2Protocol["parse"];

/** What the hold reads and sets in the connection's state (bound on its protocol with `bindState`). */
export interface IdentificationState {
  /** Set once the line passed: from then on chunks pass untouched. */
  identified: boolean;
}

/**
 * ssh2's MAX_LINE_LEN (Protocol.js:85): held lines before the identification that add up to more go on as they are,
 * so that a server trickling lines costs at most that much copying per read.
 */
const MAX_HEADER = 8192;
const LF = 0x0a;
const SSH_DASH = Buffer.from("SSH-");

// Only a protocol whose header is still coming has its bytes so far here.
const held = new WeakMap<Ssh2Protocol, Buffer>();

/** Whether `data` holds a whole line, starting at `from` or after, that starts with `SSH-`. */
function hasIdentification(data: Buffer, from: number): boolean {
  for (let start = from; start < data.length; ) {
    const end = data.indexOf(LF, start);
    if (end === -1) return false;
    if (data.subarray(start, start + SSH_DASH.length).equals(SSH_DASH)) return true;
    start = end + 1;
  }
  return false;
}

function parse(this: Ssh2Protocol, chunk: Buffer, i: number, len: number): void {
  const next = previous(this, parse) as Parse;
  const state = stateOf<IdentificationState>(this);
  if (state === undefined || state.identified) {
    next.call(this, chunk, i, len);
    return;
  }
  const before = held.get(this);
  const piece = i === 0 && len === chunk.length ? chunk : chunk.subarray(i, len);
  const data = before === undefined ? piece : Buffer.concat([before, piece]);
  // The lines already whole in `before` were not the identification: only the one still coming can be.
  const from = before === undefined ? 0 : before.lastIndexOf(LF) + 1;
  if (!hasIdentification(data, from) && data.length < MAX_HEADER) {
    held.set(this, data);
    return;
  }
  state.identified = true;
  held.delete(this);
  next.call(this, data, 0, data.length);
}

/**
 * Holds what ssh2 would parse until the server's identification line is whole (see above), then passes every
 * chunk on. For a connection that `connect()` just started, before ssh2 read anything.
 */
export function holdIdentification(protocol: Ssh2Protocol): () => void {
  hook(protocol, "parse", parse);
  return () => releaseIdentification(protocol);
}

/** Hands over what is held (a connection that closes or detaches mid-line), then takes the hook out. */
function releaseIdentification(protocol: Ssh2Protocol): void {
  const next = previous(protocol, parse) as Parse | undefined;
  const state = stateOf<IdentificationState>(protocol);
  const data = held.get(protocol);
  held.delete(protocol);
  if (state !== undefined) state.identified = true;
  unhook(protocol, "parse", parse);
  if (next !== undefined && data !== undefined) next.call(protocol, data, 0, data.length);
}
