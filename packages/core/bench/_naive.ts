/**
 * The designs tsalive is measured against, written the way they usually are: one timer per session that is
 * reset for every packet (`refresh()`), and ssh2's client keepalive, a `setInterval` per session that probes on
 * every tick whatever the traffic.
 */

/** Resets a per-session timeout on every inbound packet. */
export class RefreshPerPacket {
  readonly #timer: ReturnType<typeof setTimeout>;
  #misses = 0;
  constructor(interval: number, sendProbe: () => void, onOp: () => void) {
    this.#timer = setTimeout(() => {
      this.#misses++;
      sendProbe();
      this.#timer.refresh();
      onOp();
    }, interval);
    this.#timer.unref();
    onOp();
  }
  markInbound(onOp: () => void): void {
    this.#misses = 0;
    this.#timer.refresh();
    onOp();
  }
  get misses(): number {
    return this.#misses;
  }
  stop(): void {
    clearTimeout(this.#timer);
  }
}

/** ssh2 1.17's client keepalive: a setInterval per session, reset only by replies. */
export class IntervalPerSession {
  readonly #timer: ReturnType<typeof setInterval>;
  #misses = 0;
  constructor(interval: number, sendProbe: () => void) {
    this.#timer = setInterval(() => {
      this.#misses++;
      sendProbe();
    }, interval);
    this.#timer.unref();
  }
  markReply(): void {
    this.#misses = 0;
  }
  get misses(): number {
    return this.#misses;
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}
