/**
 * The last `capacity` bytes of a session's output, addressed by their offset in the whole output: what a page
 * that reattaches has not seen yet, and how much of it is gone.
 *
 * @example
 * ```ts
 * import { ReplayBuffer } from "./replay.ts";
 * const buffer = new ReplayBuffer(4);
 * buffer.push(new TextEncoder().encode("abcdef"));
 * buffer.end; // 6
 * const { dropped, bytes } = buffer.since(1);
 * dropped; // 1: "b" fell out of the buffer
 * new TextDecoder().decode(bytes); // "cdef"
 * ```
 */
export class ReplayBuffer {
  readonly capacity: number;
  readonly #ring: Uint8Array;
  /** Offset, in the whole output, of the byte after the last one pushed. */
  #end = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`Cannot create replay buffer: "capacity" must be a positive integer, received ${capacity}`);
    }
    this.capacity = capacity;
    this.#ring = new Uint8Array(capacity);
  }

  /** Offset of the byte after the last one pushed: the output's length so far. */
  get end(): number {
    return this.#end;
  }

  /** Offset of the oldest byte still held. */
  get start(): number {
    return Math.max(0, this.#end - this.capacity);
  }

  /** Appends output; the oldest bytes fall out past `capacity`. */
  push(chunk: Uint8Array): void {
    const tail = chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk;
    const at = (this.#end + (chunk.length - tail.length)) % this.capacity;
    const first = Math.min(tail.length, this.capacity - at);
    this.#ring.set(tail.subarray(0, first), at);
    this.#ring.set(tail.subarray(first), 0);
    this.#end += chunk.length;
  }

  /**
   * The output from `offset` on, and how many bytes after `offset` fell out of the buffer before they could be
   * replayed.
   *
   * @throws {RangeError} when `offset` is beyond the output so far.
   */
  since(offset: number): { readonly dropped: number; readonly bytes: Uint8Array } {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.#end) {
      throw new RangeError(`Cannot replay: "offset" must be an integer from 0 to ${this.#end}, received ${offset}`);
    }
    const from = Math.max(offset, this.start);
    const length = this.#end - from;
    const bytes = new Uint8Array(length);
    const at = from % this.capacity;
    const first = Math.min(length, this.capacity - at);
    bytes.set(this.#ring.subarray(at, at + first), 0);
    bytes.set(this.#ring.subarray(0, length - first), first);
    return { dropped: from - offset, bytes };
  }
}
