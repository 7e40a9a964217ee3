import { type Clock, Emitter, formatValue, type Listener, systemClock, TsaliveError } from "@tsalive/core";
import ssh2, { type Client, type ConnectConfig } from "ssh2";
import { attach, type ClientLiveness, type ClientLivenessStats } from "./attach.ts";
import { type ConnectionDump, type DumpTarget, dumpConnection } from "./dump.ts";
import type { ClientTimeoutError } from "./errors.ts";
import type { ClientOptions } from "./options.ts";

/**
 * One hop of a {@linkcode connectChain} chain: a server, how to log in to it, and its own liveness.
 *
 * @example
 * ```ts
 * import type { ChainHop } from "@tsalive/ssh2-client";
 * // ssh -J bastion target, each with its own ServerAliveInterval from its own Host block
 * const hops: ChainHop[] = [
 *   { name: "bastion", connect: { host: "bastion.example", username: "me" }, liveness: { probe: { interval: 15_000 } } },
 *   { name: "target", connect: { host: "10.0.0.5", port: 22, username: "me" }, liveness: { probe: { interval: 5_000 } } },
 * ];
 * ```
 */
export interface ChainHop {
  /** The hop's name in messages and events (`Timeout, server NAME not responding.`): the Host as typed. */
  readonly name: string;
  /**
   * ssh2's connect config for this hop. For the first hop, where to connect (or a `sock` of your own, e.g. a
   * ProxyCommand's stdio); for every later hop, `host` and `port` are the destination of the `direct-tcpip`
   * channel the previous hop opens (`ssh -W host:port`), and `sock` is that channel.
   */
  readonly connect: ConnectConfig;
  /** This hop's liveness ({@linkcode attach}'s options); `host` defaults to `name`. */
  readonly liveness?: ClientOptions | null | undefined;
}

/** Which hop an event is about: its name and its place in the chain (0 is the hop reached first). */
export interface HopRef {
  readonly hop: string;
  readonly index: number;
}

/** How a chain ended, from {@linkcode Chain.closed}. */
export interface ChainEnd {
  /**
   * - `timeout`: a hop's liveness gave up (`hop` names it, `error` is its `ClientTimeoutError`);
   * - `closed`: a hop's connection closed without a timeout (the server or the network closed it);
   * - `failed`: a hop failed before the chain was up (`error` is its error; see {@linkcode ChainError});
   * - `local`: `close()` was called.
   */
  readonly cause: "timeout" | "closed" | "failed" | "local";
  /** The hop the end started at (`undefined` for `local`). */
  readonly hop: HopRef | undefined;
  readonly error: Error | undefined;
}

/** Payloads of the events a {@linkcode Chain} emits; each names the hop. */
export interface ChainEvents {
  /** A hop authenticated; its liveness starts. */
  ready: HopRef;
  /** A hop's ServerAlive probe went out. */
  probe: HopRef & { readonly unanswered: number };
  /** A hop's probe was answered; `rtt` in ms. */
  reply: HopRef & { readonly rtt: number | undefined };
  /** The hop that died: its bound passed, and every hop nearer to us still answers. */
  timeout: HopRef & { readonly error: ClientTimeoutError };
  /** A hop's connection closed (far ones first when the chain closes). */
  "hop-close": HopRef;
  /** The whole chain is closed and nothing of tsalive is left on any hop. */
  close: ChainEnd;
}

/**
 * A hop that failed while the chain was being built: `hop` names it, `cause` is ssh2's error (or the
 * `direct-tcpip` open failure of the hop before it, `channel open failed: …`).
 *
 * @example
 * ```ts
 * import { ChainError } from "@tsalive/ssh2-client";
 * const error = new ChainError({ hop: "inner", index: 1 }, new Error("All configured authentication methods failed"));
 * error.message; // "inner: All configured authentication methods failed"
 * ```
 */
export class ChainError extends TsaliveError<"HOP_FAILED"> {
  override name: string = "ChainError";
  readonly hop: HopRef;
  constructor(hop: HopRef, cause: Error) {
    super("HOP_FAILED", `${hop.hop}: ${cause.message}`, { cause });
    this.hop = hop;
  }
}

/** The global request a verification probe sends: cancelling a forward nobody has makes every server say FAILURE. */
const PROBE_BIND = { address: "tsalive-verify.invalid", port: 1 } as const;

/** One hop's line of {@linkcode Chain.dump}: its name and place, and its connection's liveness. */
export interface HopDump extends HopRef, ConnectionDump {}

interface HopState {
  readonly ref: HopRef;
  readonly client: Client;
  /** Where the hop goes (its `connect` config's username, host and port), for a dump. */
  readonly target: DumpTarget;
  /** The clock its monitor runs on. */
  readonly clock: Clock;
  liveness: ClientLiveness | undefined;
  readonly probing: boolean;
  started: boolean;
  closed: boolean;
  /** The last error ssh2 emitted on this hop, for a close that has no timeout behind it. */
  lastError: Error | undefined;
  readonly undo: (() => void)[];
}

/**
 * A chain of SSH connections, each over a `direct-tcpip` channel of the one before (what `ssh -J` builds out of
 * `ssh -W` processes), from {@linkcode connectChain}.
 *
 * @example
 * ```ts no-run
 * // no-run: needs real servers; the README's two-hop example runs.
 * import { connectChain } from "@tsalive/ssh2-client";
 * const chain = connectChain([
 *   { name: "bastion", connect: { host: "bastion.example", username: "me" }, liveness: { probe: { interval: 5000 } } },
 *   { name: "target", connect: { host: "10.0.0.5", port: 22, username: "me" }, liveness: { probe: { interval: 5000 } } },
 * ]);
 * chain.on("timeout", ({ error }) => console.error(error.message)); // Timeout, server bastion not responding.
 * const target = await chain.ready;
 * target.exec("uptime", (error, stream) => stream.pipe(process.stdout));
 * ```
 */
export class Chain {
  /** Resolves with the last hop's client once every hop is authenticated; rejects with a {@linkcode ChainError}. */
  readonly ready: Promise<Client>;
  /** Resolves once every hop is closed and cleaned up. */
  readonly closed: Promise<ChainEnd>;
  readonly #hops: HopState[];
  readonly #events = new Emitter<ChainEvents>();
  #state: "connecting" | "up" | "suspect" | "closing" | "closed" = "connecting";
  /** While a hop is suspected: the innermost hop that timed out, and the hops nearer to us that answered since. */
  #suspect: { index: number; error: ClientTimeoutError } | undefined;
  readonly #verified = new Set<number>();
  #resolveReady!: (client: Client) => void;
  #rejectReady!: (error: ChainError) => void;
  #resolveClosed!: (end: ChainEnd) => void;
  #peerClose: ReturnType<typeof setImmediate> | undefined;
  #ending: ChainEnd | undefined;

  /** Same as {@linkcode connectChain}. */
  constructor(hops: readonly ChainHop[]) {
    checkHops(hops);
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const prepared: HopState[] = [];
    try {
      for (const [index, hop] of hops.entries()) prepared.push(this.#prepare(hop, index));
    } catch (error) {
      for (const hop of prepared) hop.liveness?.detach();
      throw error;
    }
    this.#hops = prepared;
    this.#connect(0, hops);
  }

  /** The ssh2 clients, nearest hop first; the last one is the target. */
  get clients(): readonly Client[] {
    return this.#hops.map((hop) => hop.client);
  }

  /** `connecting`, `up`, `suspect` (a hop timed out and the hops nearer are being asked), `closing`, `closed`. */
  get state(): "connecting" | "up" | "suspect" | "closing" | "closed" {
    return this.#state;
  }

  /** Each hop's liveness counters, nearest first (`undefined` once the chain is closed). */
  stats(): readonly (HopRef & { readonly liveness: ClientLivenessStats | undefined })[] {
    return this.#hops.map((hop) => ({ ...hop.ref, liveness: hop.liveness?.stats() }));
  }

  /**
   * Every hop's liveness now, nearest first and the target last, for a live dump: where it goes, the age of its
   * last inbound packet, unanswered probes, last RTT and open channels (a jump host's is the `direct-tcpip` to the
   * next hop). Reads only. Once the chain is closed the liveness fields are empty (`state` `undefined`).
   *
   * @example
   * ```ts no-run
   * // no-run: needs real servers.
   * import { connectChain } from "@tsalive/ssh2-client";
   * const chain = connectChain([
   *   { name: "bastion", connect: { host: "bastion.example", username: "me" }, liveness: { probe: { interval: 5000 } } },
   *   { name: "db", connect: { host: "10.0.0.7", username: "me" }, liveness: { probe: { interval: 5000 } } },
   * ]);
   * await chain.ready;
   * for (const hop of chain.dump()) console.log(hop.hop, hop.lastInboundAge, hop.unansweredProbes, hop.lastRtt);
   * ```
   */
  dump(): readonly HopDump[] {
    return this.#hops.map((hop) => ({
      ...hop.ref,
      ...dumpConnection(
        hop.target,
        { monitor: hop.liveness?.stats().monitor },
        { clock: hop.clock, client: hop.client },
      ),
    }));
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof ChainEvents>(event: K, listener: Listener<ChainEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode Chain.on}. */
  off<K extends keyof ChainEvents>(event: K, listener: Listener<ChainEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /** Closes every hop, the far end first, each after the one beyond it has closed. Idempotent. */
  close(): Promise<ChainEnd> {
    this.#end({ cause: "local", hop: undefined, error: undefined });
    return this.closed;
  }

  #prepare(hop: ChainHop, index: number): HopState {
    const ref: HopRef = { hop: hop.name, index };
    const client = new ssh2.Client();
    const probing = hop.liveness?.probe != null;
    const state: HopState = {
      ref,
      client,
      target: { user: hop.connect.username, host: hop.connect.host ?? "localhost", port: hop.connect.port ?? 22 },
      clock: hop.liveness?.time ?? hop.liveness?.clock ?? systemClock,
      liveness: undefined,
      probing,
      started: false,
      closed: false,
      lastError: undefined,
      undo: [],
    };
    const liveness = attach(client, {
      ...hop.liveness,
      host: hop.liveness?.host ?? hop.name,
      // TCPKeepAlive is a socket option: a hop past the first runs over a channel, which has none, and so may a
      // first hop over a sock of the caller's (a ProxyCommand's stdio).
      ...(!hasSocketOptions(index, hop) && { tcpKeepAlive: false }),
    });
    state.liveness = liveness;
    liveness.on("probe", ({ unanswered }) => this.#events.emit("probe", { ...ref, unanswered }));
    liveness.on("reply", ({ rtt }) => this.#events.emit("reply", { ...ref, rtt }));
    liveness.on("timeout", (error) => this.#timedOut(index, error));
    const onError = (error: Error): void => {
      state.lastError = error;
      if (this.#state === "connecting") this.#failed(index, error);
    };
    const onReady = (): void => this.#events.emit("ready", ref);
    const onClose = (): void => this.#hopClosed(index);
    // ssh2 emits 'error' for every failure; the chain reports through its own events, so one must listen.
    client.on("error", onError).on("ready", onReady).on("close", onClose);
    state.undo.push(() => client.off("error", onError).off("ready", onReady).off("close", onClose));
    return state;
  }

  #connect(index: number, hops: readonly ChainHop[], sock?: ssh2.ClientChannel): void {
    const hop = this.#hops[index] as HopState;
    const config = (hops[index] as ChainHop).connect;
    const onReady = (): void => {
      if (this.#state !== "connecting") return;
      // Every hop's packets, and the requests that verify a hop, are small: Nagle's algorithm would hold one back
      // behind the delayed ACK of the one before (40 ms), past the bound. Only the first hop has a TCP socket.
      if (index === 0) hop.client.setNoDelay(true);
      const next = hops[index + 1];
      if (next === undefined) {
        this.#state = "up";
        this.#resolveReady(hop.client);
        return;
      }
      const { host, port } = next.connect;
      // ssh -W names itself as 127.0.0.1 port 65535 (channel_connect_stdio_fwd).
      hop.client.forwardOut("127.0.0.1", 65535, host ?? "localhost", port ?? 22, (error, stream) => {
        if (this.#state !== "connecting") {
          stream?.destroy();
          return;
        }
        if (error) return this.#failed(index, new Error(`channel open failed: ${error.message}`));
        this.#connect(index + 1, hops, stream);
      });
    };
    hop.client.once("ready", onReady);
    hop.undo.push(() => hop.client.off("ready", onReady));
    hop.started = true;
    hop.client.connect(sock === undefined ? config : { ...config, sock });
  }

  #failed(index: number, error: Error): void {
    if (this.#state !== "connecting") return;
    const ref = (this.#hops[index] as HopState).ref;
    const failure = new ChainError(ref, error);
    this.#rejectReady(failure);
    this.#end({ cause: "failed", hop: ref, error: failure });
  }

  /**
   * A hop's liveness gave up. Its packets travel inside every nearer hop's connection, so a nearer hop that died
   * silences it too, possibly first: blame it only once every nearer hop has answered a request sent now, and
   * blame a nearer hop instead if that one times out meanwhile.
   */
  #timedOut(index: number, error: ClientTimeoutError): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    if (this.#state === "connecting") {
      this.#failed(index, error);
      return;
    }
    const first = this.#suspect === undefined;
    if (this.#suspect === undefined || index < this.#suspect.index) this.#suspect = { index, error };
    this.#state = "suspect";
    if (first) {
      for (const hop of this.#hops.slice(0, index)) this.#verify(hop);
    }
    this.#decide();
  }

  #verify(hop: HopState): void {
    if (!hop.probing) {
      // Without ServerAlive a hop can never be found dead, so there is nothing to wait for.
      this.#verified.add(hop.ref.index);
      return;
    }
    try {
      hop.client.unforwardIn(PROBE_BIND.address, PROBE_BIND.port, (error) => {
        // FAILURE (or SUCCESS) is an answer; "No response from server" means the connection closed first.
        if (!error || /^Unable to unbind/.test(error.message)) {
          this.#verified.add(hop.ref.index);
          this.#decide();
        }
      });
    } catch {
      // Not connected any more: its own close decides.
    }
  }

  #decide(): void {
    const suspect = this.#suspect;
    if (this.#state !== "suspect" || suspect === undefined) return;
    for (let index = 0; index < suspect.index; index++) if (!this.#verified.has(index)) return;
    const ref = (this.#hops[suspect.index] as HopState).ref;
    this.#events.emit("timeout", { ...ref, error: suspect.error });
    this.#end({ cause: "timeout", hop: ref, error: suspect.error });
  }

  #hopClosed(index: number): void {
    const hop = this.#hops[index] as HopState;
    if (hop.closed) return;
    hop.closed = true;
    this.#events.emit("hop-close", hop.ref);
    if (this.#state === "connecting") {
      this.#failed(index, new Error("Connection closed before authentication"));
      return;
    }
    if (this.#state === "up") {
      // A nearer hop's close reaches this one through its channel, and may be emitted after it: wait one turn,
      // then blame the nearest hop that closed.
      this.#peerClose ??= setImmediate(() => {
        this.#peerClose = undefined;
        if (this.#state !== "up") return;
        const nearest = this.#hops.find((each) => each.closed) as HopState;
        this.#end({ cause: "closed", hop: nearest.ref, error: nearest.lastError });
      });
      return;
    }
    if (this.#state === "suspect") {
      // A nearer hop closed while being asked: it cannot answer, and is not the one that timed out.
      const suspect = this.#suspect as { index: number };
      if (index < suspect.index) this.#end({ cause: "closed", hop: hop.ref, error: hop.lastError });
      return;
    }
    this.#finishIfClosed();
  }

  /** Closes from the far end inward: hops beyond the failed one at once, the others each after the next closed. */
  #end(end: ChainEnd): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    if (this.#state === "connecting" && end.cause === "local") {
      this.#rejectReady(new ChainError((this.#hops[0] as HopState).ref, new Error("closed before the chain was up")));
    }
    this.#state = "closing";
    this.#ending = end;
    if (this.#peerClose !== undefined) clearImmediate(this.#peerClose);
    this.#peerClose = undefined;
    const failedAt = end.hop?.index ?? this.#hops.length;
    for (const hop of this.#hops) {
      // A hop never connected has nothing to close (ssh2 emits no 'close' for it).
      if (!hop.started) hop.closed = true;
    }
    for (const hop of this.#hops.slice(failedAt).reverse()) {
      if (!hop.closed) hop.client.destroy();
    }
    this.#endNext();
  }

  /** Ends the farthest hop still open; its close ends the next. */
  #endNext(): void {
    const open = this.#hops.filter((hop) => !hop.closed);
    const farthest = open[open.length - 1];
    if (farthest === undefined) this.#finishIfClosed();
    else farthest.client.end();
  }

  #finishIfClosed(): void {
    if (this.#state !== "closing") return;
    if (this.#hops.some((hop) => !hop.closed)) {
      this.#endNext();
      return;
    }
    this.#state = "closed";
    for (const hop of this.#hops) {
      hop.liveness?.detach();
      hop.liveness = undefined;
      for (const undo of hop.undo.splice(0)) undo();
      // ssh2 emits 'error' after 'close' on some failures: keep one no-op listener so it is never thrown.
      hop.client.on("error", ignore);
    }
    const end = this.#ending as ChainEnd;
    this.#events.emit("close", end);
    this.#events.clear();
    this.#resolveClosed(end);
  }
}

function ignore(): void {}

function hasSocketOptions(index: number, hop: ChainHop): boolean {
  if (index > 0) return false;
  const sock = hop.connect.sock as { setKeepAlive?: unknown } | undefined;
  return sock === undefined || typeof sock.setKeepAlive === "function";
}

function checkHops(hops: readonly ChainHop[]): void {
  const prefix = "Cannot connect chain";
  if (!Array.isArray(hops) || hops.length === 0) {
    throw new RangeError(`${prefix}: "hops" must be a non-empty array, received ${formatValue(hops)}`);
  }
  hops.forEach((hop, index) => {
    if (typeof hop?.name !== "string" || hop.name.length === 0) {
      throw new RangeError(
        `${prefix}: "hops[${index}].name" must be a non-empty string, received ${formatValue(hop?.name)}`,
      );
    }
    if (typeof hop.connect !== "object" || hop.connect === null) {
      throw new RangeError(
        `${prefix}: "hops[${index}].connect" must be an object, received ${formatValue(hop.connect)}`,
      );
    }
    if (index > 0 && hop.connect.sock !== undefined) {
      throw new RangeError(
        `${prefix}: "hops[${index}].connect.sock" must be left out (the previous hop's channel is the socket), received a socket`,
      );
    }
  });
}

/**
 * Connects through a chain of hops, as `ssh -J hop1,hop2 target` does: the first hop over TCP (or the `sock` you
 * give it), every later one over a `direct-tcpip` channel of the one before. Each hop runs its own liveness from
 * its own options (its own Host block's ServerAliveInterval/CountMax, Heartbeat). When a hop's bound passes, the
 * chain asks every nearer hop (a `cancel-tcpip-forward` for no forward, which every server answers with FAILURE):
 * if they answer, that hop is reported, `Timeout, server HOP not responding.`; if a nearer hop times out meanwhile,
 * that one is. The chain then closes from the far end inward, and no timer or listener of tsalive stays on any hop.
 *
 * @throws {RangeError} for an empty chain, a hop without a name or connect config, or a `sock` past the first hop;
 * and as {@linkcode attach} for a hop's bad liveness options.
 *
 * @example
 * ```ts no-run
 * // no-run: needs real servers; the README's two-hop example runs.
 * import { connectChain } from "@tsalive/ssh2-client";
 * const chain = connectChain([
 *   { name: "bastion", connect: { host: "bastion.example", username: "me", agent: process.env.SSH_AUTH_SOCK ?? "" } },
 *   { name: "db", connect: { host: "10.0.0.7", port: 22, username: "me", agent: process.env.SSH_AUTH_SOCK ?? "" } },
 * ]);
 * chain.closed.then((end) => console.log(end.cause, end.hop?.hop));
 * ```
 */
export function connectChain(hops: readonly ChainHop[]): Chain {
  return new Chain(hops);
}
