import {
  type Clock,
  checkDuration,
  formatValue,
  type HeartbeatOptions,
  type MonitorOptions,
  type ProbeOptions,
  resolveOptions,
  type Timers,
  type WatchdogOptions,
} from "@tsalive/core";

/**
 * What {@linkcode attach} does to each connection of an ssh2 server, in the shape of `@tsalive/core`'s
 * `MonitorOptions` plus the sshd_config keywords that act on channels and processes. Every mechanism left out,
 * `undefined` or `null` is off, except `tcpKeepAlive` (on, as in sshd_config). Times are in milliseconds and at
 * least 100 ms unless `allowFastIntervals`; an unknown key (such as sshd's `ClientAliveInterval` or ssh2's
 * `keepaliveInterval`) or a value of the wrong kind throws a `RangeError`.
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
  readonly probe?: ProbeOptions | null | undefined;
  /** Heartbeat: send `SSH_MSG_IGNORE` after `interval` ms with nothing sent, once authenticated. Never fails. */
  readonly heartbeat?: HeartbeatOptions | null | undefined;
  /**
   * Watchdog (`WatchdogTimeout` ×1000 of the 2001 Heartbeat/Watchdog patch): `timeout` ms with nothing received,
   * counted from the moment the socket was accepted, so it also ends a client that stalls before authenticating.
   * On expiry every process the connection's supervisor started is stopped (SIGHUP to its process group, SIGKILL
   * after `killGrace`), then the connection is destroyed.
   */
  readonly watchdog?: WatchdogOptions | null | undefined;
  /** Milliseconds between SIGHUP and SIGKILL when the connection's processes are stopped. Default 2000. */
  readonly killGrace?: number | null | undefined;
  /** `UnusedConnectionTimeout` ×1000: close a connection that has had no open channel for this long. */
  readonly unusedConnectionTimeout?: number | null | undefined;
  /**
   * `ChannelTimeout type=interval …`: close a channel with no data either way for the given ms; keepalives do not
   * count. Keys are OpenSSH channel type patterns (`*` and `?` wildcards, first match in insertion order wins):
   * `session:shell`, `session:command`, `session:subsystem:NAME`, `direct-tcpip`, `direct-streamlocal@openssh.com`,
   * `forwarded-tcpip`, `forwarded-streamlocal@openssh.com`, `x11-connection`, `agent-connection`; a session that has
   * not started a shell, command or subsystem is `session`. A timeout of 0 exempts the types its pattern matches.
   */
  readonly channelTimeout?: Readonly<Record<string, number>> | null | undefined;
  /** `TCPKeepAlive`: SO_KEEPALIVE on the socket (kernel timing). Default `true`, as in sshd_config. */
  readonly tcpKeepAlive?: boolean | null | undefined;
  /**
   * Clock and timers for every monitor, as one object (a `TestClock` in tests); by default `performance.now()` and
   * core's shared timers.
   */
  readonly time?: (Clock & Timers) | null | undefined;
  /** Lets intervals and timeouts be shorter than 100 ms: for tests on real time only (see `@tsalive/core`). */
  readonly allowFastIntervals?: boolean | null | undefined;
  /**
   * Monotonic clock for the monitors.
   *
   * @deprecated Pass `time` instead; removed in the next minor version.
   */
  readonly clock?: Clock | null | undefined;
  /**
   * Timers for the monitors.
   *
   * @deprecated Pass `time` instead; removed in the next minor version.
   */
  readonly timers?: Timers | null | undefined;
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

/**
 * Options for every connection, or a function choosing them per connection (sshd's `Match`). A function that
 * throws, or returns options that are not valid, refuses that one connection: its socket is destroyed and the
 * server's `refuse` event (or, with no listener, `console.warn`) says why.
 */
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
  /** What the channel monitors share with the connection's: `time`, `clock`, `timers`, `allowFastIntervals`. */
  readonly common: MonitorOptions;
}

const OWN_KEYS = ["killGrace", "unusedConnectionTimeout", "channelTimeout", "tcpKeepAlive"];

const cache = new WeakMap<ServerOptions, ResolvedServerOptions>();

/**
 * Checks `options` and splits them for the monitors, throwing a `RangeError` naming the option and the value.
 * Results are cached per options object, so one object shared by many connections is checked once.
 */
export function resolveServerOptions(options: ServerOptions | null | undefined): ResolvedServerOptions {
  if (options === undefined || options === null) return resolveServerOptions(NO_OPTIONS);
  const cached = cache.get(options);
  if (cached !== undefined) return cached;
  if (typeof options !== "object") {
    throw new RangeError(`${PREFIX}: options must be an object, received ${formatValue(options)}`);
  }
  // Every key, core's and ours, and core's values: bad ones fail at attach(), not at authentication.
  resolveOptions(options, { prefix: PREFIX, extraKeys: OWN_KEYS });
  const fast = options.allowFastIntervals === true;
  const { tcpKeepAlive, killGrace, unusedConnectionTimeout, channelTimeout } = options;
  if (tcpKeepAlive != null && typeof tcpKeepAlive !== "boolean") {
    throw new RangeError(`${PREFIX}: "tcpKeepAlive" must be a boolean, received ${formatValue(tcpKeepAlive)}`);
  }
  if (killGrace != null) checkDuration(PREFIX, "killGrace", killGrace, fast);
  if (unusedConnectionTimeout != null) checkDuration(PREFIX, "unusedConnectionTimeout", unusedConnectionTimeout, fast);
  const timeouts: (readonly [string, number])[] = [];
  if (channelTimeout != null) {
    if (typeof channelTimeout !== "object" || Array.isArray(channelTimeout)) {
      throw new RangeError(`${PREFIX}: "channelTimeout" must be an object, received ${formatValue(channelTimeout)}`);
    }
    for (const [pattern, timeout] of Object.entries(channelTimeout)) {
      if (pattern.length === 0) throw new RangeError(`${PREFIX}: "channelTimeout" has an empty channel type pattern`);
      // 0 exempts the types the pattern matches (first match wins), as `type=0` does in sshd_config.
      const name = `channelTimeout[${JSON.stringify(pattern)}]`;
      timeouts.push([pattern, timeout === 0 ? 0 : checkDuration(PREFIX, name, timeout, fast)]);
    }
  }
  const { time, clock, timers } = options;
  const common: MonitorOptions = {
    ...(time != null && { time }),
    ...(clock != null && { clock }),
    ...(timers != null && { timers }),
    ...(fast && { allowFastIntervals: true }),
  };
  const probe: ProbeOptions | undefined =
    options.probe == null ? undefined : { ...options.probe, zeroCountMax: options.probe.zeroCountMax ?? "never" };
  const heartbeat = options.heartbeat ?? undefined;
  const watchdog = options.watchdog ?? undefined;
  const afterAuth: MonitorOptions | undefined =
    probe === undefined && heartbeat === undefined && watchdog === undefined
      ? undefined
      : {
          ...(probe !== undefined && { probe }),
          ...(heartbeat !== undefined && { heartbeat }),
          ...(watchdog !== undefined && { watchdog }),
          ...common,
        };
  const beforeAuth: MonitorOptions | undefined = watchdog === undefined ? undefined : { watchdog, ...common };
  const resolved: ResolvedServerOptions = {
    source: options,
    beforeAuth,
    afterAuth,
    killGrace: killGrace ?? DEFAULT_KILL_GRACE,
    unusedConnectionTimeout: unusedConnectionTimeout ?? undefined,
    channelTimeout: timeouts,
    tcpKeepAlive: tcpKeepAlive ?? true,
    common,
  };
  cache.set(options, resolved);
  return resolved;
}

const NO_OPTIONS: ServerOptions = Object.freeze({});
