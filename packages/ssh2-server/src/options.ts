import {
  type Clock,
  type HeartbeatOptions,
  MAX_TIMER_DELAY,
  type MonitorOptions,
  type ProbeOptions,
  resolveOptions,
  type Timers,
  type WatchdogOptions,
} from "@tsalive/core";

/**
 * What {@linkcode attach} does to each connection of an ssh2 server, in the shape of `@tsalive/core`'s
 * `MonitorOptions` plus the sshd_config keywords that act on channels and processes. Every mechanism left out is
 * off, except `tcpKeepAlive` (on, as in sshd_config).
 *
 * @example
 * ```ts
 * import type { ServerOptions } from "@tsalive/ssh2-server";
 * // ClientAliveInterval 15, ClientAliveCountMax 3, WatchdogTimeout 60, ChannelTimeout session:*=10m
 * const options: ServerOptions = {
 *   probe: { interval: 15_000, countMax: 3 },
 *   watchdog: { timeout: 60_000 },
 *   channelTimeout: { "session:*": 600_000 },
 * };
 * ```
 */
export interface ServerOptions {
  /**
   * ClientAlive, after authentication only: `keepalive@openssh.com` after `interval` ms with nothing received, as a
   * channel request on the first open channel when one is open, else as a global request; give up after `countMax`
   * unanswered probes, at last-inbound + (countMax + 1) · interval (`ClientAliveInterval` ×1000,
   * `ClientAliveCountMax`). `countMax: 0` keeps probing and never gives up, as sshd does since 8.2
   * (`zeroCountMax: "never"` is the default here).
   */
  readonly probe?: ProbeOptions;
  /** Heartbeat: send `SSH_MSG_IGNORE` after `interval` ms with nothing sent, once authenticated. Never fails. */
  readonly heartbeat?: HeartbeatOptions;
  /**
   * Watchdog (`WatchdogTimeout` ×1000 of the 2001 Heartbeat/Watchdog patch): `timeout` ms with nothing received,
   * counted from the moment the socket was accepted, so it also ends a client that stalls before authenticating.
   * On expiry every process the connection's supervisor started is stopped (SIGHUP to its process group, SIGKILL
   * after `killGrace`), then the connection is destroyed.
   */
  readonly watchdog?: WatchdogOptions;
  /** Milliseconds between SIGHUP and SIGKILL when the connection's processes are stopped. Default 2000. */
  readonly killGrace?: number;
  /** `UnusedConnectionTimeout` ×1000: close a connection that has had no open channel for this long. */
  readonly unusedConnectionTimeout?: number;
  /**
   * `ChannelTimeout type=interval …`: close a channel with no data either way for the given ms; keepalives do not
   * count. Keys are OpenSSH channel type patterns (`*` and `?` wildcards, first match in insertion order wins):
   * `session:shell`, `session:command`, `session:subsystem:NAME`, `direct-tcpip`, `direct-streamlocal@openssh.com`,
   * `forwarded-tcpip`, `forwarded-streamlocal@openssh.com`, `x11-connection`, `agent-connection`; a session that has
   * not started a shell, command or subsystem is `session`. A timeout of 0 exempts the types its pattern matches.
   */
  readonly channelTimeout?: Readonly<Record<string, number>>;
  /** `TCPKeepAlive`: SO_KEEPALIVE on the socket (kernel timing). Default `true`, as in sshd_config. */
  readonly tcpKeepAlive?: boolean;
  /** Monotonic clock for the monitors; `systemClock` by default. */
  readonly clock?: Clock;
  /** Timers for the monitors; core's shared timers by default. */
  readonly timers?: Timers;
}

/**
 * The connection a per-connection options function is asked about, as sshd's `Match` criteria see it: called once
 * when the socket is accepted (`user` still `undefined`), and again once the client has authenticated, whose
 * answer then replaces the first.
 */
export interface ConnectionInfo {
  /** The authenticated user; `undefined` until then. */
  readonly user: string | undefined;
  /** The client's address and port (`Match Address`). */
  readonly addr: string;
  readonly port: number;
  /** Our address and port (`Match LocalAddress`, `Match LocalPort`). */
  readonly laddr: string;
  readonly lport: number;
}

/** Options for every connection, or a function choosing them per connection (sshd's `Match`). */
export type ServerOptionsInput = ServerOptions | ((info: ConnectionInfo) => ServerOptions);

const PREFIX = "Cannot attach to ssh2 server";
const DEFAULT_KILL_GRACE = 2000;

/** Validated options with the monitor settings split out (one shared object per options object). */
export interface ResolvedServerOptions {
  readonly source: ServerOptions;
  /** Settings of the connection monitor before authentication: the watchdog only. */
  readonly beforeAuth: MonitorOptions | undefined;
  /** After authentication: ClientAlive, Heartbeat and Watchdog. */
  readonly afterAuth: MonitorOptions | undefined;
  readonly killGrace: number;
  readonly unusedConnectionTimeout: number | undefined;
  readonly channelTimeout: readonly (readonly [pattern: string, timeout: number])[];
  readonly tcpKeepAlive: boolean;
}

const cache = new WeakMap<ServerOptions, ResolvedServerOptions>();

/**
 * Checks `options` and splits them for the monitors, throwing a `RangeError` naming the option and the value.
 * Results are cached per options object, so one object shared by many connections is checked once.
 */
export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const cached = cache.get(options);
  if (cached !== undefined) return cached;
  if (typeof options !== "object" || options === null) {
    throw new RangeError(`${PREFIX}: options must be an object, received ${show(options)}`);
  }
  const { tcpKeepAlive, killGrace, unusedConnectionTimeout, channelTimeout } = options;
  if (tcpKeepAlive !== undefined && typeof tcpKeepAlive !== "boolean") {
    throw new RangeError(`${PREFIX}: "tcpKeepAlive" must be a boolean, received ${show(tcpKeepAlive)}`);
  }
  if (killGrace !== undefined) duration("killGrace", killGrace);
  if (unusedConnectionTimeout !== undefined) duration("unusedConnectionTimeout", unusedConnectionTimeout);
  const timeouts: (readonly [string, number])[] = [];
  if (channelTimeout !== undefined) {
    if (typeof channelTimeout !== "object" || channelTimeout === null) {
      throw new RangeError(`${PREFIX}: "channelTimeout" must be an object, received ${show(channelTimeout)}`);
    }
    for (const [pattern, timeout] of Object.entries(channelTimeout)) {
      if (pattern.length === 0) throw new RangeError(`${PREFIX}: "channelTimeout" has an empty channel type pattern`);
      // 0 exempts the types the pattern matches (first match wins), as `type=0` does in sshd_config.
      timeouts.push([pattern, timeout === 0 ? 0 : duration(`channelTimeout[${JSON.stringify(pattern)}]`, timeout)]);
    }
  }
  const common = {
    ...(options.clock !== undefined && { clock: options.clock }),
    ...(options.timers !== undefined && { timers: options.timers }),
  };
  const probe: ProbeOptions | undefined =
    options.probe === undefined ? undefined : { zeroCountMax: "never", ...options.probe };
  const afterAuth: MonitorOptions | undefined =
    probe === undefined && options.heartbeat === undefined && options.watchdog === undefined
      ? undefined
      : {
          ...(probe !== undefined && { probe }),
          ...(options.heartbeat !== undefined && { heartbeat: options.heartbeat }),
          ...(options.watchdog !== undefined && { watchdog: options.watchdog }),
          ...common,
        };
  if (afterAuth !== undefined) resolveOptions(afterAuth); // bad intervals fail at attach(), not at authentication
  const beforeAuth: MonitorOptions | undefined =
    options.watchdog === undefined ? undefined : { watchdog: options.watchdog, ...common };
  const resolved: ResolvedServerOptions = {
    source: options,
    beforeAuth,
    afterAuth,
    killGrace: killGrace ?? DEFAULT_KILL_GRACE,
    unusedConnectionTimeout,
    channelTimeout: timeouts,
    tcpKeepAlive: tcpKeepAlive ?? true,
  };
  cache.set(options, resolved);
  return resolved;
}

function duration(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0 && value <= MAX_TIMER_DELAY)) {
    throw new RangeError(
      `${PREFIX}: "${name}" must be a number of milliseconds greater than 0 and at most ${MAX_TIMER_DELAY}, received ${show(value)}`,
    );
  }
  return value;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
