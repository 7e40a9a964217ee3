import {
  type Clock,
  checkDuration,
  Emitter,
  formatValue,
  type Listener,
  systemTime,
  type TimerHandle,
  type Timers,
} from "@tsalive/core";
import { ChainError } from "./chain.ts";
import { ClientTimeoutError } from "./errors.ts";

/**
 * Why a connection ended or could not be made, as {@linkcode classifyCause} reads it.
 *
 * - `liveness`: ServerAlive gave up (`Timeout, server HOST not responding.`); retried.
 * - `peer-close`: the server or the network closed it (or reset it); retried.
 * - `refused`: the connection could not be made (refused, unreachable, not resolved, ConnectTimeout); retried.
 * - `auth`: authentication failed; never retried (trying again cannot help, and may lock the account).
 * - `host-key`: the host key was rejected; never retried (it may be an attack).
 * - `error`: anything else; retried.
 */
export type DisconnectCause = "liveness" | "peer-close" | "refused" | "auth" | "host-key" | "error";

const REFUSED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Classifies an ssh2 or tsalive error (or `undefined`: a close without one) into a {@linkcode DisconnectCause}.
 * A {@linkcode ChainError} is classified by the hop's own error, and any other error by its `cause` when it has one.
 *
 * @example
 * ```ts
 * import { ClientTimeoutError, classifyCause } from "@tsalive/ssh2-client";
 * classifyCause(new ClientTimeoutError("ALIVE_TIMEOUT", "bastion")); // "liveness"
 * classifyCause(Object.assign(new Error("All configured authentication methods failed"), { level: "client-authentication" })); // "auth"
 * classifyCause(undefined); // "peer-close"
 * ```
 */
export function classifyCause(error: Error | undefined): DisconnectCause {
  if (error === undefined) return "peer-close";
  if (error instanceof ChainError && error.cause instanceof Error) return classifyCause(error.cause);
  if (error instanceof ClientTimeoutError) return error.code === "CONNECT_TIMEOUT" ? "refused" : "liveness";
  const { code, level } = error as Error & { code?: unknown; level?: unknown };
  if (level === "client-authentication") return "auth";
  if (/^Host denied \(verification failed\)/.test(error.message) || /^Host key verification failed/.test(error.message))
    return "host-key";
  if (typeof code === "string" && REFUSED.has(code)) return "refused";
  if (code === "ECONNRESET" || code === "EPIPE") return "peer-close";
  // An application's own error (a message of its own) that keeps ssh2's as its cause.
  if (error.cause instanceof Error) return classifyCause(error.cause);
  return "error";
}

/** What the supervisor keeps up: a connected Client, a {@linkcode Chain}, or anything with `closed` and `close()`. */
export interface Supervised {
  /** Resolves when the connection is gone, with the error that ended it (`undefined` for a plain close). */
  readonly closed: Promise<{ readonly error?: Error | undefined } | undefined>;
  close(): unknown;
}

/** Exponential backoff between attempts: `initial` · `factor`ⁿ, at most `max`, less up to `jitter` of itself. */
export interface BackoffOptions {
  /** ms before the first retry; default 1000. */
  readonly initial?: number;
  /** ms at most; default 60 000. */
  readonly max?: number;
  /** Growth per failed attempt; default 2. */
  readonly factor?: number;
  /** Fraction of the delay taken off at random (0 to 1), so that many clients do not retry in step; default 0.2. */
  readonly jitter?: number;
}

/** Options of {@linkcode supervise}. */
export interface SuperviseOptions<S extends Supervised> {
  /** Makes one connection, authenticated; rejects with ssh2's (or a chain's) error. `attempt` counts from 1. */
  connect(attempt: number): Promise<S>;
  /** Called on every connection, the first included: re-establish forwards here. A rejection ends that connection. */
  establish?(session: S, info: { readonly attempt: number; readonly reconnected: boolean }): void | Promise<void>;
  /**
   * The command: called on the first connection only (a command once sent is never re-run), or on every one with
   * `rerun: true`. When its promise resolves, supervision ends with `done` and its value.
   */
  run?(session: S): Promise<unknown>;
  /** Run `run` again on each reconnect; default `false`. */
  readonly rerun?: boolean;
  /**
   * autossh's gate time, in ms (default 30 000, `AUTOSSH_GATETIME`): a first connection that fails or dies within
   * it is not retried (a typo, a wrong port); and the backoff starts over only after a connection lasted this long.
   * `0`: retry a first failure too.
   */
  readonly gate?: number;
  readonly backoff?: BackoffOptions;
  /** Give up after this many attempts in a row that failed; default: never. */
  readonly maxAttempts?: number;
  /** Clock and timers (a `TestClock` in tests); default system time. */
  readonly time?: Clock & Timers;
  /** Random numbers in [0, 1) for the jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** The supervisor's state. */
export type SupervisorState = "connecting" | "connected" | "waiting" | "stopped";

/** How supervision ended. */
export type SupervisionEnd =
  | { readonly reason: "done"; readonly result: unknown }
  | { readonly reason: "stopped" }
  | {
      readonly reason: "gave-up";
      /** `gate`: the first connection failed within the gate time; `never-retried`: auth or host key; `attempts`. */
      readonly why: "gate" | "never-retried" | "attempts";
      readonly cause: DisconnectCause;
      readonly error: Error | undefined;
    };

/** Payloads of the events a {@linkcode Supervisor} emits: one for every state it enters. */
export interface SupervisorEvents<S> {
  connecting: { readonly attempt: number };
  connected: { readonly attempt: number; readonly session: S; readonly reconnected: boolean };
  /** An attempt failed (`connected: false`) or a connection ended (`connected: true`, with how long it lasted). */
  disconnected: {
    readonly attempt: number;
    readonly connected: boolean;
    readonly cause: DisconnectCause;
    readonly error: Error | undefined;
    readonly uptime: number;
  };
  /** Waiting `delay` ms before attempt `attempt`. */
  waiting: { readonly attempt: number; readonly delay: number; readonly cause: DisconnectCause };
  end: SupervisionEnd;
}

const PREFIX = "Cannot supervise connection";

/**
 * Keeps a connection up: autossh's behaviour with its rules made explicit, from {@linkcode supervise}.
 *
 * @example
 * ```ts
 * import { supervise } from "@tsalive/ssh2-client";
 * import { TestClock } from "@tsalive/core/testing";
 * const time = new TestClock();
 * const supervisor = supervise({
 *   connect: () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
 *   gate: 0,
 *   maxAttempts: 1,
 *   time,
 * });
 * // Logs gave-up: one attempt allowed, and it was refused.
 * supervisor.on("end", (end) => console.log(end.reason));
 * ```
 */
export class Supervisor<S extends Supervised> {
  /** Resolves when supervision ends. */
  readonly ended: Promise<SupervisionEnd>;
  readonly #options: SuperviseOptions<S>;
  readonly #time: Clock & Timers;
  readonly #random: () => number;
  readonly #gate: number;
  readonly #backoff: Required<BackoffOptions>;
  readonly #events = new Emitter<SupervisorEvents<S>>();
  #state: SupervisorState = "connecting";
  #attempt = 0;
  /** Failed attempts since the backoff last started over. */
  #failures = 0;
  #sent = false;
  #started: number;
  #session: S | undefined;
  #timer: TimerHandle | undefined;
  #resolve!: (end: SupervisionEnd) => void;

  /** Same as {@linkcode supervise}. */
  constructor(options: SuperviseOptions<S>) {
    if (typeof options?.connect !== "function") {
      throw new RangeError(`${PREFIX}: "connect" must be a function, received ${formatValue(options?.connect)}`);
    }
    this.#options = options;
    this.#time = options.time ?? systemTime;
    this.#random = options.random ?? Math.random;
    this.#gate = options.gate === 0 ? 0 : checkDuration(PREFIX, "gate", options.gate ?? 30_000, true);
    this.#backoff = checkBackoff(options.backoff ?? {});
    const { maxAttempts } = options;
    if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
      throw new RangeError(
        `${PREFIX}: "maxAttempts" must be an integer of 1 or more, received ${formatValue(maxAttempts)}`,
      );
    }
    this.ended = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#started = this.#time.now();
    // Start on the next microtask, so that listeners added right after supervise() see the first attempt.
    queueMicrotask(() => this.#attemptNow());
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The current connection, while connected. */
  get session(): S | undefined {
    return this.#session;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof SupervisorEvents<S>>(event: K, listener: Listener<SupervisorEvents<S>[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Stops: cancels a pending retry, closes the current connection, ends with `stopped`. Idempotent. */
  stop(): Promise<SupervisionEnd> {
    this.#finish({ reason: "stopped" });
    return this.ended;
  }

  /** The delay before retry number `failures` (1-based), with jitter. */
  #delay(failures: number): number {
    const { initial, max, factor, jitter } = this.#backoff;
    const base = Math.min(max, initial * factor ** Math.min(failures - 1, 64));
    return Math.round(base * (1 - jitter * this.#random()));
  }

  #attemptNow(): void {
    if (this.#state === "stopped") return;
    this.#timer = undefined;
    const attempt = ++this.#attempt;
    this.#enter("connecting");
    this.#events.emit("connecting", { attempt });
    const startedAt = this.#time.now();
    let session: S;
    this.#options.connect(attempt).then(
      (connected) => {
        session = connected;
        if (this.#state === "stopped") {
          session.close();
          return;
        }
        this.#connected(session, attempt, startedAt);
      },
      (error: unknown) => this.#lost(attempt, false, toError(error), startedAt),
    );
  }

  #connected(session: S, attempt: number, startedAt: number): void {
    this.#session = session;
    const reconnected = attempt > 1;
    this.#enter("connected");
    this.#events.emit("connected", { attempt, session, reconnected });
    let over = false;
    const lost = (error: Error | undefined): void => {
      if (over) return;
      over = true;
      if (this.#session === session) this.#session = undefined;
      this.#lost(attempt, true, error, startedAt);
    };
    session.closed.then(
      (end) => lost(end?.error),
      (error: unknown) => lost(toError(error)),
    );
    const { establish, run } = this.#options;
    void Promise.resolve(establish?.(session, { attempt, reconnected }))
      .then(() => {
        if (over || this.#state === "stopped" || run === undefined) return;
        if (this.#sent && this.#options.rerun !== true) return;
        this.#sent = true;
        return run(session).then((result) => {
          if (over || this.#state === "stopped") return;
          over = true;
          this.#finish({ reason: "done", result });
        });
      })
      .catch((error: unknown) => {
        // The forwards could not be set up, or the command failed: this connection is no good.
        if (over) return;
        session.close();
        lost(toError(error));
      });
  }

  #lost(attempt: number, connected: boolean, error: Error | undefined, startedAt: number): void {
    if (this.#state === "stopped") return;
    const now = this.#time.now();
    const cause = classifyCause(error);
    this.#events.emit("disconnected", { attempt, connected, cause, error, uptime: now - startedAt });
    if (cause === "auth" || cause === "host-key") {
      this.#finish({ reason: "gave-up", why: "never-retried", cause, error });
      return;
    }
    if (attempt === 1 && now - this.#started < this.#gate) {
      this.#finish({ reason: "gave-up", why: "gate", cause, error });
      return;
    }
    // A connection that lasted the gate time starts the backoff over.
    if (connected && now - startedAt >= this.#gate) this.#failures = 0;
    this.#failures++;
    const { maxAttempts } = this.#options;
    if (maxAttempts !== undefined && this.#failures >= maxAttempts) {
      this.#finish({ reason: "gave-up", why: "attempts", cause, error });
      return;
    }
    const delay = this.#delay(this.#failures);
    this.#enter("waiting");
    this.#events.emit("waiting", { attempt: attempt + 1, delay, cause });
    this.#timer = this.#time.setTimeout(() => this.#attemptNow(), delay);
  }

  #enter(state: SupervisorState): void {
    this.#state = state;
  }

  #finish(end: SupervisionEnd): void {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    if (this.#timer !== undefined) this.#time.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#session?.close();
    this.#session = undefined;
    this.#events.emit("end", end);
    this.#events.clear();
    this.#resolve(end);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function checkBackoff(backoff: BackoffOptions): Required<BackoffOptions> {
  const initial = checkDuration(PREFIX, "backoff.initial", backoff.initial ?? 1000, true);
  const max = checkDuration(PREFIX, "backoff.max", backoff.max ?? 60_000, true);
  const factor = backoff.factor ?? 2;
  const jitter = backoff.jitter ?? 0.2;
  if (!(typeof factor === "number" && factor >= 1 && Number.isFinite(factor))) {
    throw new RangeError(
      `${PREFIX}: "backoff.factor" must be a finite number of 1 or more, received ${formatValue(factor)}`,
    );
  }
  if (!(typeof jitter === "number" && jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`${PREFIX}: "backoff.jitter" must be a number from 0 to 1, received ${formatValue(jitter)}`);
  }
  if (max < initial) {
    throw new RangeError(`${PREFIX}: "backoff.max" must be at least "backoff.initial" (${initial}), received ${max}`);
  }
  return { initial, max, factor, jitter };
}

/**
 * Keeps a connection (a Client, or a {@linkcode Chain}) up, with autossh's semantics made explicit: a gate time (a
 * first connection that fails fast is not retried), exponential backoff with jitter and a cap, causes classified
 * ({@linkcode classifyCause}; auth failures and host key mismatches are never retried), forwards re-established
 * on every connection (`establish`), and a command that was already sent never re-run unless `rerun`. Every state
 * is an event.
 *
 * @throws {RangeError} for a bad option, naming it and the value received.
 *
 * @example
 * ```ts no-run
 * // no-run: needs real servers.
 * import { connectChain, supervise } from "@tsalive/ssh2-client";
 * const supervisor = supervise({
 *   connect: async () => {
 *     const chain = connectChain([
 *       { name: "bastion", connect: { host: "bastion.example", username: "me" }, liveness: { probe: { interval: 5000 } } },
 *       { name: "db", connect: { host: "10.0.0.7", username: "me" }, liveness: { probe: { interval: 5000 } } },
 *     ]);
 *     await chain.ready;
 *     return chain;
 *   },
 *   establish: (chain) => {}, // forwards: bind them to chain.clients.at(-1) again
 * });
 * supervisor.on("waiting", ({ attempt, delay, cause }) => console.error(`${cause}: attempt ${attempt} in ${delay} ms`));
 * ```
 */
export function supervise<S extends Supervised>(options: SuperviseOptions<S>): Supervisor<S> {
  return new Supervisor(options);
}
