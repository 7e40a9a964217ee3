import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { registerCleanup } from "./registry.ts";

/** A direction through the proxy: `up` is client → server, `down` is server → client. */
export type ProxyDirection = "up" | "down";

/**
 * What the proxy does to the bytes of one direction.
 *
 * - `pass`: forward as they come.
 * - `blackhole`: hold every byte, and a close or reset from the sender, keeping the other socket open, like a link
 *   that went dark; held bytes (then the close) go out when the direction is switched back (as TCP would retransmit them after a partition heals). Past `maxHeld` bytes the
 *   proxy stops reading, so the sender's TCP window fills up as it would on a real dead link.
 * - `delay`: forward each chunk `ms` after it arrived.
 * - `throttle`: forward at most `bytesPerSecond`.
 */
export type Fault =
  | { readonly mode: "pass" }
  | { readonly mode: "blackhole" }
  | { readonly mode: "delay"; readonly ms: number }
  | { readonly mode: "throttle"; readonly bytesPerSecond: number };

/** Options of {@linkcode startProxy}. */
export interface ProxyOptions {
  /** Where connections go. */
  readonly target: { readonly host?: string; readonly port: number };
  /** Initial fault of each direction; `pass` by default. */
  readonly up?: Fault;
  readonly down?: Fault;
  /** The proxy closes itself after this many ms (default 120 000), so a forgotten one cannot outlive its test. */
  readonly lifetime?: number;
  /** Bytes held per direction and connection before the proxy stops reading (default 1 MiB). */
  readonly maxHeld?: number;
}

/** Byte counts per direction. */
export interface ProxyBytes {
  /** Bytes read from the sender. */
  readonly received: number;
  /** Bytes written to the receiver. */
  readonly forwarded: number;
  /**
   * `performance.now()` when bytes were last written to the receiver (`NaN` before any): an independent clock of
   * what got through, for timing a peer's silence without trusting the code under test.
   */
  readonly lastForwardedAt: number;
}

/** A running {@linkcode startProxy} proxy. */
export interface FaultProxy {
  readonly host: "127.0.0.1";
  /** Connect here instead of to the target. */
  readonly port: number;
  /** The fault in force for `direction`. */
  fault(direction: ProxyDirection): Fault;
  /** Switches the fault of one direction, or of both, for every connection, at once. */
  set(direction: ProxyDirection | "both", fault: Fault): void;
  /** Destroys every open connection on both sides with a TCP RST (`socket.resetAndDestroy()`). */
  reset(): void;
  /** Bytes so far in `direction`, over all connections. */
  bytes(direction: ProxyDirection): ProxyBytes;
  /** Connections currently open. */
  readonly openConnections: number;
  /** Connections accepted so far. */
  readonly acceptedConnections: number;
  /** Stops listening, destroys every connection and clears every timer. Idempotent. */
  close(): Promise<void>;
}

/** How often a throttled direction releases bytes. */
const THROTTLE_TICK = 20;

function checkFault(fault: Fault): Fault {
  if (fault.mode === "delay" && !(fault.ms >= 0 && Number.isFinite(fault.ms))) {
    throw new RangeError(`proxy: "delay.ms" must be a finite number of 0 or more, received ${fault.ms}`);
  }
  if (fault.mode === "throttle" && !(fault.bytesPerSecond > 0 && Number.isFinite(fault.bytesPerSecond))) {
    throw new RangeError(
      `proxy: "throttle.bytesPerSecond" must be a finite number above 0, received ${fault.bytesPerSecond}`,
    );
  }
  return fault;
}

/**
 * Starts a fault-injecting TCP proxy on 127.0.0.1 in front of `target`. Faults switch at runtime, per direction;
 * everything it holds is bounded and it closes itself after `lifetime`. Registered with `stopAll()`.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `sshd` from startSshd().
 * import { type Sshd, startProxy } from "@tsalive/test-support";
 * declare const sshd: Sshd;
 * const proxy = await startProxy({ target: { port: sshd.port } });
 * // connect the client to proxy.port, then:
 * proxy.set("both", { mode: "blackhole" }); // the server vanishes, the sockets stay open
 * proxy.set("down", { mode: "throttle", bytesPerSecond: 64 * 1024 });
 * proxy.reset(); // RST both sides
 * await proxy.close();
 * ```
 */
export async function startProxy(options: ProxyOptions): Promise<FaultProxy> {
  const targetHost = options.target.host ?? "127.0.0.1";
  const targetPort = options.target.port;
  const maxHeld = options.maxHeld ?? 1024 * 1024;
  const faults: Record<ProxyDirection, Fault> = {
    up: checkFault(options.up ?? { mode: "pass" }),
    down: checkFault(options.down ?? { mode: "pass" }),
  };
  const totals: Record<ProxyDirection, { received: number; forwarded: number; lastForwardedAt: number }> = {
    up: { received: 0, forwarded: 0, lastForwardedAt: Number.NaN },
    down: { received: 0, forwarded: 0, lastForwardedAt: Number.NaN },
  };
  const connections = new Set<Connection>();
  let accepted = 0;
  let closed = false;

  const server: Server = createServer((client) => {
    if (closed) {
      client.destroy();
      return;
    }
    accepted++;
    client.setNoDelay(true);
    const upstream = tcpConnect({ host: targetHost, port: targetPort });
    upstream.setNoDelay(true);
    const connection: Connection = { client, server: upstream, pipes: [], heldClose: undefined };
    connection.pipes = [
      new Pipe(client, upstream, () => faults.up, totals.up, maxHeld),
      new Pipe(upstream, client, () => faults.down, totals.down, maxHeld),
    ];
    connections.add(connection);
    // An error or a full close on either side ends the pair; half-closes travel through the pipes. A dark link
    // carries no FIN or RST either: a close whose direction is blackholed is held until the direction passes again.
    const closedBy = (direction: ProxyDirection) => (): void => {
      if (faults[direction].mode === "blackhole") connection.heldClose ??= direction;
      else teardown(connection);
    };
    client.on("error", closedBy("up"));
    upstream.on("error", closedBy("down"));
    client.on("close", closedBy("up"));
    upstream.on("close", closedBy("down"));
  });

  const teardown = (connection: Connection): void => {
    if (!connections.delete(connection)) return;
    for (const pipe of connection.pipes) pipe.dispose();
    connection.client.destroy();
    connection.server.destroy();
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("proxy: no address");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      closed = true;
      clearTimeout(lifetime);
      unregister();
      for (const connection of [...connections]) {
        for (const pipe of connection.pipes) pipe.dispose();
        connection.client.destroy();
        connection.server.destroy();
      }
      connections.clear();
      server.close(() => resolve());
    });
    return closing;
  };
  const lifetime = setTimeout(() => void close(), options.lifetime ?? 120_000);
  lifetime.unref();
  const unregister = registerCleanup(`proxy on port ${address.port}`, close);

  return {
    host: "127.0.0.1",
    port: address.port,
    fault: (direction) => faults[direction],
    set(direction, fault) {
      checkFault(fault);
      const targets: ProxyDirection[] = direction === "both" ? ["up", "down"] : [direction];
      for (const each of targets) faults[each] = fault;
      for (const connection of [...connections]) {
        for (const pipe of connection.pipes) pipe.pump();
        const held = connection.heldClose;
        if (held !== undefined && faults[held].mode !== "blackhole") teardown(connection);
      }
    },
    reset() {
      for (const connection of [...connections]) {
        connections.delete(connection);
        for (const pipe of connection.pipes) pipe.dispose();
        connection.client.resetAndDestroy();
        connection.server.resetAndDestroy();
      }
    },
    bytes: (direction) => ({ ...totals[direction] }),
    get openConnections() {
      return connections.size;
    },
    get acceptedConnections() {
      return accepted;
    },
    close,
  };
}

/** Both sockets of one proxied connection. */
interface Connection {
  readonly client: Socket;
  readonly server: Socket;
  pipes: Pipe[];
  /** The direction whose sender closed while it was blackholed; the close is delivered once it passes again. */
  heldClose: ProxyDirection | undefined;
}

interface Held {
  data: Buffer;
  readonly at: number;
}

/** One direction of one connection: reads `from`, applies the direction's fault, writes `to`. */
class Pipe {
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #fault: () => Fault;
  readonly #totals: { received: number; forwarded: number; lastForwardedAt: number };
  readonly #maxHeld: number;
  readonly #queue: Held[] = [];
  #held = 0;
  #ended = false;
  #disposed = false;
  #waitingForDrain = false;
  #timer: NodeJS.Timeout | undefined;
  #tokens = 0;
  #lastRefill = performance.now();

  constructor(
    from: Socket,
    to: Socket,
    fault: () => Fault,
    totals: { received: number; forwarded: number; lastForwardedAt: number },
    maxHeld: number,
  ) {
    this.#from = from;
    this.#to = to;
    this.#fault = fault;
    this.#totals = totals;
    this.#maxHeld = maxHeld;
    from.on("data", (chunk: Buffer) => {
      totals.received += chunk.length;
      this.#queue.push({ data: chunk, at: performance.now() });
      this.#held += chunk.length;
      if (this.#held >= this.#maxHeld) from.pause();
      this.pump();
    });
    from.on("end", () => {
      this.#ended = true;
      this.pump();
    });
    to.on("drain", () => {
      this.#waitingForDrain = false;
      this.pump();
    });
  }

  /** Forwards what the current fault allows now and schedules the rest. */
  pump(): void {
    if (this.#disposed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waitingForDrain) return;
    const fault = this.#fault();
    const now = performance.now();
    if (fault.mode !== "throttle") {
      this.#tokens = 0;
      this.#lastRefill = now;
    }
    switch (fault.mode) {
      case "blackhole":
        return;
      case "pass":
        while (this.#queue.length > 0 && !this.#waitingForDrain) this.#write(this.#queue.length);
        break;
      case "delay": {
        let ready = 0;
        while (ready < this.#queue.length && (this.#queue[ready] as Held).at + fault.ms <= now) ready++;
        if (ready > 0) this.#write(ready);
        const head = this.#queue[0];
        if (head !== undefined && !this.#waitingForDrain) this.#schedule(head.at + fault.ms - now);
        break;
      }
      case "throttle": {
        const rate = fault.bytesPerSecond;
        // A bucket holding one tick's worth: no bursts beyond the rate, and a slow rate still makes progress.
        const capacity = Math.max(1, (rate * THROTTLE_TICK) / 1000);
        this.#tokens = Math.min(capacity, this.#tokens + ((now - this.#lastRefill) * rate) / 1000);
        this.#lastRefill = now;
        let budget = Math.floor(this.#tokens);
        while (budget > 0 && this.#queue.length > 0 && !this.#waitingForDrain) {
          const head = this.#queue[0] as Held;
          const size = Math.min(budget, head.data.length);
          this.#writeBytes(size);
          budget -= size;
          this.#tokens -= size;
        }
        if (this.#queue.length > 0 && !this.#waitingForDrain) this.#schedule(THROTTLE_TICK);
        break;
      }
    }
    if (this.#queue.length === 0 && this.#ended && !this.#to.writableEnded) this.#to.end();
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#held = 0;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => this.pump(), Math.max(0, delay));
  }

  /** Writes the first `count` chunks whole. */
  #write(count: number): void {
    const chunks = this.#queue.splice(0, count);
    const data = chunks.length === 1 ? (chunks[0] as Held).data : Buffer.concat(chunks.map((chunk) => chunk.data));
    this.#send(data);
  }

  /** Writes `size` bytes from the head chunk. */
  #writeBytes(size: number): void {
    const head = this.#queue[0] as Held;
    if (size >= head.data.length) {
      this.#queue.shift();
      this.#send(head.data);
    } else {
      this.#send(head.data.subarray(0, size));
      head.data = head.data.subarray(size);
    }
  }

  #send(data: Buffer): void {
    this.#held -= data.length;
    this.#totals.forwarded += data.length;
    if (this.#to.destroyed || this.#to.writableEnded) return;
    this.#totals.lastForwardedAt = performance.now();
    if (!this.#to.write(data)) this.#waitingForDrain = true;
    if (this.#held < this.#maxHeld / 2 && this.#from.isPaused()) this.#from.resume();
  }
}
