import { logOf, newestSent, noteReply, noteSent, type RttLog, rttStats } from "./_rtt_log.ts";
import { formatValue, MIN_INTERVAL } from "./check.ts";
import { type Clock, MAX_TIMER_DELAY, systemClock, type TimerHandle, type Timers } from "./clock.ts";
import { Emitter, type Listener } from "./emitter.ts";
import { type LivenessCode, LivenessError } from "./liveness_error.ts";
import {
  type MonitorOptions,
  type ResolvedOptions,
  type ResolvedProbe,
  resolveOptions,
  resolveTime,
} from "./options.ts";
import { defaultTimers, rearm, SharedTimers } from "./shared_timers.ts";
import type { MonitorStats } from "./stats.ts";

/**
 * What a {@linkcode LivenessMonitor} asks of the connection it watches. Each function is required only when the
 * mechanism that calls it is enabled. A function that throws ends the monitor: it expires with code
 * `TRANSPORT_FAILED` and the thrown error as its `cause`.
 */
export interface LivenessTransport {
  /** Send one want-reply probe (`keepalive@openssh.com`) and report its reply with `markReply()`. */
  sendProbe?(): void;
  /** Send one `SSH_MSG_IGNORE`; nothing comes back. */
  sendHeartbeat?(): void;
  /**
   * Told once, when the monitor gives up, before the `expire` listeners: an owner of many monitors acts on it
   * here instead of keeping a listener (a closure and a listener table) per monitor.
   */
  expired?(error: LivenessError): void;
}

/**
 * The life of a monitor: `created` until `start()`, `running` while the peer is heard from, `probing` while
 * probes are unanswered, then `expired` (see `error`) or `stopped`.
 */
export type MonitorState = "created" | "running" | "probing" | "expired" | "stopped";

/** Payloads of the events a {@linkcode LivenessMonitor} emits. */
export interface MonitorEvents {
  /** A probe was sent; `unanswered` counts it and the earlier probes of the same silence. */
  probe: { readonly unanswered: number };
  /** A probe was answered; `rtt` in ms, `undefined` when the probe it answers is too old to be matched. */
  reply: { readonly rtt: number | undefined };
  /** A heartbeat was sent. */
  heartbeat: undefined;
  /** The monitor gave up; the error's `code` says which mechanism. Emitted once, then the monitor is inert. */
  expire: LivenessError;
}

/**
 * Sends (probes, heartbeats) are due at their time but wait for the next multiple of this many milliseconds of the
 * clock, up to 3 ms; one found due while the monitor is awake for another reason goes at once. Expiries stay exact.
 * Deadlines taken from packet times are spread over every millisecond, and a timer at each would wake the event
 * loop once per connection per interval: on the grid, the sends of thousands of connections share at most 250
 * wake-ups a second. A later send moves no bound: the probe schedule and every expiry count from packet times.
 * Intervals under {@linkcode MIN_INTERVAL} (tests, with `allowFastIntervals`) send exactly, as a grid step could
 * then pass a whole interval.
 */
const SEND_GRID = 4;

/** Whether a probe tick with `misses` unanswered probes ends the monitor (ALIVE_TIMEOUT) instead of probing. */
function givesUp(probe: ResolvedProbe, misses: number): boolean {
  return misses >= probe.countMax && !(probe.countMax === 0 && probe.zeroCountMax === "never");
}

/** When a send due at `at` goes out (see {@linkcode SEND_GRID}). */
function sendTime(at: number, interval: number): number {
  return interval < MIN_INTERVAL ? at : Math.ceil(at / SEND_GRID) * SEND_GRID;
}

/**
 * The timer callback of every monitor: one shared function given the monitor as its argument, instead of a
 * closure per monitor (a closure and its context cost about 100 bytes, a third of an idle session).
 */
let fire: (monitor: LivenessMonitor) => void;

/** Servers give thousands of monitors one options object: validate it once and share the result. */
const resolvedCache = new WeakMap<MonitorOptions, Resolved>();

/** What one options object resolves to, shared by every monitor given it (a monitor holds no copy). */
interface Resolved {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly timers: Timers;
}

const NO_OPTIONS: MonitorOptions = Object.freeze({});

/**
 * Watches one connection: ServerAlive/ClientAlive probes, Heartbeat, Watchdog and idle timeout, with one pending
 * timer at most.
 *
 * The transport reports traffic with {@linkcode LivenessMonitor.markInbound} and
 * {@linkcode LivenessMonitor.markOutbound}: each is a clock read and a field write, so they can run for every
 * packet. The timer is re-armed lazily at its deadline, never per packet.
 *
 * @example
 * ```ts
 * import { LivenessMonitor } from "@tsalive/core";
 *
 * const monitor = new LivenessMonitor(
 *   { sendProbe: () => console.log("-> keepalive@openssh.com") },
 *   { probe: { interval: 15_000, countMax: 3 } }, // ServerAliveInterval 15, ServerAliveCountMax 3
 * );
 * monitor.on("expire", (error) => console.error(error.message));
 * monitor.start();
 * // for every packet received: monitor.markInbound();
 * // for every reply to a probe:  monitor.markReply();
 * monitor.stop();
 * ```
 */
export class LivenessMonitor {
  readonly #transport: LivenessTransport;
  readonly #clock: Clock;
  readonly #timers: Timers;
  #events: Emitter<MonitorEvents> | undefined;
  #options: ResolvedOptions;
  #phase: "created" | "running" | "expired" | "stopped" = "created";
  #error: LivenessError | undefined;
  #handle: TimerHandle | undefined;
  #armedFor = 0;

  #lastInboundAt = 0;
  #lastOutboundAt = 0;
  #lastTrafficAt = 0;

  /** The `lastInboundAt` that the current probe count belongs to; when they differ, the count has reset. */
  #probeBase = 0;
  #misses = 0;
  #nextProbeAt = 0;

  #probesSent = 0;
  #replies = 0;
  #heartbeats = 0;
  /** The first probe's send time, then the RTT log (`_rtt_log.ts`): idle monitors never pay for it. */
  #rtt: RttLog | number | undefined;

  /**
   * @param options the mechanisms to run; `null` or `undefined` (or leaving one out) switches it off.
   * @throws {TypeError} when `transport` is not an object.
   * @throws {RangeError} when an option is unknown, of the wrong kind or out of range (see
   * {@linkcode resolveOptions}), or a transport function an enabled mechanism needs is missing.
   */
  constructor(transport: LivenessTransport, options?: MonitorOptions | null) {
    if (typeof transport !== "object" || transport === null) {
      throw new TypeError(
        `Cannot create liveness monitor: "transport" must be an object with sendProbe() and sendHeartbeat() as needed, received ${formatValue(transport)}`,
      );
    }
    const input = options ?? NO_OPTIONS;
    let resolved = resolvedCache.get(input);
    if (resolved === undefined) {
      const time = resolveTime(input);
      resolved = {
        options: resolveOptions(input),
        clock: time.clock ?? systemClock,
        timers: time.timers ?? defaultTimers(),
      };
      resolvedCache.set(input, resolved);
    }
    this.#transport = transport;
    this.#clock = resolved.clock;
    this.#timers = resolved.timers;
    this.#options = checkTransport(transport, resolved.options);
  }

  /** Current state; see {@linkcode MonitorState}. */
  get state(): MonitorState {
    if (this.#phase === "running" && this.#misses > 0 && this.#probeBase === this.#lastInboundAt) return "probing";
    return this.#phase;
  }

  /** Why the monitor expired, once it has. */
  get error(): LivenessError | undefined {
    return this.#error;
  }

  /** The settings in force, validated and defaulted. */
  get options(): ResolvedOptions {
    return this.#options;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof MonitorEvents>(event: K, listener: Listener<MonitorEvents[K]>): () => void {
    this.#events ??= new Emitter();
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@linkcode LivenessMonitor.on}. */
  off<K extends keyof MonitorEvents>(event: K, listener: Listener<MonitorEvents[K]>): void {
    this.#events?.off(event, listener);
  }

  /** How many listeners are subscribed, over all events (for leak checks). */
  listenerCount(): number {
    return this.#events?.listenerCount() ?? 0;
  }

  /**
   * Starts every enabled mechanism, counting silence from now. Calling it again while running does nothing.
   *
   * @throws {Error} when the monitor was already stopped or expired.
   */
  start(): void {
    if (this.#phase === "running") return;
    if (this.#phase !== "created") throw new Error(`Cannot start a liveness monitor that is ${this.#phase}`);
    const now = this.#now();
    this.#lastInboundAt = now;
    this.#lastOutboundAt = now;
    this.#lastTrafficAt = now;
    this.#phase = "running";
    this.#resetProbe();
    this.#schedule(now);
  }

  /**
   * Replaces the settings of a running monitor, for example to switch ClientAlive on once the peer has
   * authenticated. Silence keeps counting from the last packet; the probe count starts again at zero. The time
   * source stays the one the monitor was created with.
   *
   * @throws {RangeError} as the constructor does, and when `options` names a `time`, `clock` or `timers`.
   */
  reconfigure(options: Omit<MonitorOptions, "time" | "clock" | "timers"> | null | undefined): void {
    const input: MonitorOptions | null | undefined = options;
    if (input?.time != null || input?.clock != null || input?.timers != null) {
      throw new RangeError(
        'Cannot reconfigure liveness monitor: the time source cannot change, received "time", "clock" or "timers"',
      );
    }
    this.#options = checkTransport(this.#transport, resolveOptions(input));
    if (this.#phase !== "running") return;
    this.#resetProbe();
    this.#disarm();
    this.#schedule(this.#now());
  }

  /**
   * Records a packet received from the peer. Pass `true` for keepalive traffic (probe replies, the peer's own
   * probes, `SSH_MSG_IGNORE`): it proves liveness but does not count as activity for the idle timeout.
   */
  markInbound(keepalive = false): void {
    const now = this.#now();
    this.#lastInboundAt = now;
    if (!keepalive) this.#lastTrafficAt = now;
  }

  /**
   * Records a packet sent to the peer. Pass `true` for keepalive traffic (see
   * {@linkcode LivenessMonitor.markInbound}).
   */
  markOutbound(keepalive = false): void {
    const now = this.#now();
    this.#lastOutboundAt = now;
    if (!keepalive) this.#lastTrafficAt = now;
  }

  /**
   * Records the reply to our oldest unanswered probe (SSH replies come in order). It counts as keepalive
   * inbound traffic, so there is no need to call `markInbound` for it as well.
   */
  markReply(): void {
    const exact = this.#clock.now();
    const now = Math.ceil(exact);
    this.#lastInboundAt = now;
    if (this.#rtt !== undefined) this.#rtt = logOf(this.#rtt);
    const rtt = noteReply(this.#rtt, ++this.#replies, this.#probesSent, exact);
    if (this.#phase === "running") this.#events?.emit("reply", { rtt });
  }

  /** Stops every mechanism and clears the pending timer. Idempotent; a monitor that expired stays `expired`. */
  stop(): void {
    this.#disarm();
    if (this.#phase === "created" || this.#phase === "running") this.#phase = "stopped";
  }

  /**
   * Counters and round-trip times.
   *
   * @example
   * ```ts
   * import { LivenessMonitor } from "@tsalive/core";
   * const monitor = new LivenessMonitor({}, { watchdog: { timeout: 30_000 } });
   * monitor.stats().probesSent; // 0
   * ```
   */
  stats(): MonitorStats {
    return {
      state: this.state,
      probesSent: this.#probesSent,
      replies: this.#replies,
      unansweredProbes: this.#probeBase === this.#lastInboundAt ? this.#misses : 0,
      heartbeatsSent: this.#heartbeats,
      rtt: rttStats(this.#rtt),
      lastInboundAt: this.#lastInboundAt,
      lastOutboundAt: this.#lastOutboundAt,
    };
  }

  #resetProbe(): void {
    this.#probeBase = this.#lastInboundAt;
    this.#misses = 0;
    this.#nextProbeAt = this.#lastInboundAt + (this.#options.probe?.interval ?? 0);
  }

  #disarm(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  /**
   * The clock reading rounded up to a whole millisecond. Integral times stay small integers in V8 instead of
   * boxed doubles, which saves a sixth of an idle monitor's memory; rounding up means a deadline is met up to
   * 1 ms late (the resolution of runtime timers anyway), never early.
   */
  #now(): number {
    return Math.ceil(this.#clock.now());
  }

  /** Runs when the pending timer fires; see the module-level `fire`. */
  static {
    fire = (monitor) => monitor.#fire();
  }

  #fire(): void {
    const spent = this.#handle;
    this.#handle = undefined;
    if (this.#phase !== "running") return;
    // One clock read per firing: rounded up for the deadlines (see #now), exact for the RTT of a probe sent now.
    const exact = this.#clock.now();
    const now = Math.ceil(exact);
    try {
      this.#step(now, exact);
    } finally {
      // Even when a listener throws, a running monitor keeps its timer: it never wedges.
      if (this.#phase === "running") this.#schedule(now, spent);
    }
  }

  #step(now: number, exact: number): void {
    const { probe, heartbeat, watchdog, idle } = this.#options;
    if (watchdog !== undefined && now - this.#lastInboundAt >= watchdog) {
      this.#expire("WATCHDOG_EXPIRED", now - this.#lastInboundAt);
      return;
    }
    if (idle !== undefined && now - this.#lastTrafficAt >= idle) {
      this.#expire("IDLE_TIMEOUT", now - this.#lastTrafficAt);
      return;
    }
    if (probe !== undefined) {
      this.#stepProbe(probe, now, exact);
      if (this.#phase !== "running") return;
    }
    if (heartbeat !== undefined && now - this.#lastOutboundAt >= heartbeat) {
      this.#lastOutboundAt = now;
      this.#heartbeats++;
      if (!this.#call("sendHeartbeat", now)) return;
      this.#events?.emit("heartbeat", undefined);
    }
  }

  /** Calls a transport function; when it throws, the monitor expires with the error as cause. */
  #call(name: "sendProbe" | "sendHeartbeat", now: number): boolean {
    try {
      this.#transport[name]?.();
    } catch (error) {
      this.#expire("TRANSPORT_FAILED", now - this.#lastInboundAt, { cause: error, operation: name });
    }
    return this.#phase === "running";
  }

  #stepProbe(probe: ResolvedProbe, now: number, exact: number): void {
    if (this.#probeBase !== this.#lastInboundAt) this.#resetProbe();
    if (probe.replyTimeout !== undefined) {
      if (this.#misses > 0) {
        if (now - this.#lastProbeAt() >= probe.replyTimeout) {
          this.#expire("REPLY_TIMEOUT", now - this.#lastInboundAt);
        }
      } else if (now >= this.#nextProbeAt) {
        this.#misses = 1;
        this.#sendProbe(now, exact);
      }
      return;
    }
    if (now < this.#nextProbeAt) return;
    if (givesUp(probe, this.#misses)) {
      this.#expire("ALIVE_TIMEOUT", now - this.#lastInboundAt);
      return;
    }
    this.#misses++;
    // A timer that fired a whole interval late (a blocked event loop) counts one expiry, as OpenSSH's loop does,
    // instead of several at once: lateness never makes the monitor give up early.
    const next = this.#nextProbeAt + probe.interval;
    this.#nextProbeAt = next > now ? next : now + probe.interval;
    this.#sendProbe(now, exact);
  }

  #sendProbe(now: number, exact: number): void {
    this.#lastOutboundAt = now;
    // The exact reading, not the rounded one: RTTs on a LAN are fractions of a millisecond.
    this.#rtt = noteSent(this.#rtt, ++this.#probesSent, this.#replies, exact);
    if (!this.#call("sendProbe", now)) return;
    this.#events?.emit("probe", { unanswered: this.#misses });
  }

  #expire(
    code: LivenessCode,
    silentFor: number,
    failure?: { readonly cause: unknown; readonly operation: string },
  ): void {
    this.#phase = "expired";
    this.#disarm();
    const unanswered = this.#probeBase === this.#lastInboundAt ? this.#misses : 0;
    this.#error = new LivenessError(code, silentFor, unanswered, failure);
    this.#transport.expired?.(this.#error);
    this.#events?.emit("expire", this.#error);
  }

  /** Arms the timer for the earliest deadline; `spent` is the handle that just fired, reused when it can be. */
  #schedule(now: number, spent?: TimerHandle): void {
    const { probe, heartbeat, watchdog, idle } = this.#options;
    let expiry = Number.POSITIVE_INFINITY;
    let send = Number.POSITIVE_INFINITY;
    if (watchdog !== undefined) expiry = this.#lastInboundAt + watchdog;
    if (idle !== undefined) expiry = Math.min(expiry, this.#lastTrafficAt + idle);
    if (probe !== undefined) {
      const at = this.#probeDue(probe, now);
      if (this.#probeEnds(probe)) expiry = Math.min(expiry, at);
      else send = sendTime(at, probe.interval);
    }
    if (heartbeat !== undefined) send = Math.min(send, sendTime(this.#lastOutboundAt + heartbeat, heartbeat));
    const due = Math.min(expiry, send);
    if (due === Number.POSITIVE_INFINITY) return;
    if (this.#handle !== undefined) {
      // Deadlines only move later as traffic flows (see #probeDue for the one exception, handled there): the
      // pending timer fires early and re-arms then.
      if (this.#armedFor <= due) return;
      this.#timers.clearTimeout(this.#handle);
    }
    this.#armedFor = due;
    const timers = this.#timers;
    if (spent !== undefined && timers instanceof SharedTimers) {
      this.#handle = rearm(timers, spent, this.#clock, now, due);
      return;
    }
    this.#handle = timers.setTimeout(fire, Math.min(Math.max(due - now, 0), MAX_TIMER_DELAY), this);
  }

  /** When the newest probe went out. */
  #lastProbeAt(): number {
    return Math.ceil(newestSent(this.#rtt));
  }

  /** Whether the probe deadline ahead may end the monitor (checked exactly) rather than only send (batched). */
  #probeEnds(probe: ResolvedProbe): boolean {
    const misses = this.#probeBase === this.#lastInboundAt ? this.#misses : 0;
    if (probe.replyTimeout !== undefined) return misses > 0;
    return givesUp(probe, misses);
  }

  #probeDue(probe: ResolvedProbe, now: number): number {
    if (this.#probeBase !== this.#lastInboundAt) return this.#lastInboundAt + probe.interval;
    if (probe.replyTimeout !== undefined && this.#misses > 0) {
      // Marks never touch the timer, yet a packet arriving at x while the probe waits for its reply makes the
      // next probe due at x + interval, which comes before the reply deadline when replyTimeout > interval.
      // Waking every interval after the probe bounds that: the wake following x is at most x + interval.
      const sent = this.#lastProbeAt();
      const deadline = sent + probe.replyTimeout;
      if (probe.interval >= probe.replyTimeout) return deadline;
      return Math.min(sent + (Math.floor((now - sent) / probe.interval) + 1) * probe.interval, deadline);
    }
    return this.#nextProbeAt;
  }
}

function checkTransport(transport: LivenessTransport, options: ResolvedOptions): ResolvedOptions {
  if (transport.expired !== undefined && typeof transport.expired !== "function") {
    throw new RangeError(
      `Cannot create liveness monitor: "expired" must be a function when given, received ${formatValue(transport.expired)}`,
    );
  }
  if (options.probe !== undefined && typeof transport.sendProbe !== "function") {
    throw new RangeError('Cannot create liveness monitor: "probe" needs a transport with sendProbe(), received none');
  }
  if (options.heartbeat !== undefined && typeof transport.sendHeartbeat !== "function") {
    throw new RangeError(
      'Cannot create liveness monitor: "heartbeat" needs a transport with sendHeartbeat(), received none',
    );
  }
  return options;
}
