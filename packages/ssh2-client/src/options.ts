import {
  type Clock,
  checkDuration,
  formatValue,
  type HeartbeatOptions,
  type MonitorOptions,
  type ProbeOptions,
  resolveOptions,
  type Timers,
} from "@tsalive/core";

/**
 * What {@linkcode attach} does to an ssh2 client, in the shape of `@tsalive/core`'s `MonitorOptions` plus the
 * socket-level keywords of ssh_config. Every mechanism left out, `undefined` or `null` (so that a mapping from a
 * resolved ssh_config can pass its values straight through) is off, except `tcpKeepAlive` (on, as in ssh_config).
 * Times are in milliseconds and at least 100 ms unless `allowFastIntervals`; an unknown key (such as ssh2's
 * `keepaliveInterval` or OpenSSH's `ServerAliveInterval`) or a value of the wrong kind throws a `RangeError`.
 *
 * @example
 * ```ts
 * import type { ClientOptions } from "@tsalive/ssh2-client";
 * // ssh -o ServerAliveInterval=15 -o ServerAliveCountMax=3 -o ConnectTimeout=10
 * const options: ClientOptions = {
 *   probe: { interval: 15_000, countMax: 3 },
 *   connectTimeout: 10_000,
 * };
 * ```
 */
export interface ClientOptions {
  /**
   * ServerAlive: probe with `keepalive@openssh.com` after `interval` ms with nothing received; give up after
   * `countMax` unanswered probes, at last-inbound + (countMax + 1) · interval (`ServerAliveInterval` ×1000,
   * `ServerAliveCountMax`). `countMax: 0` gives up at the first expiry without probing, as `ssh` does.
   */
  readonly probe?: ProbeOptions | null | undefined;
  /** Heartbeat: send `SSH_MSG_IGNORE` after `interval` ms with nothing sent. Keeps NAT state; never fails. */
  readonly heartbeat?: HeartbeatOptions | null | undefined;
  /** `TCPKeepAlive`: SO_KEEPALIVE on the socket (kernel timing). Default `true`, as in ssh_config. */
  readonly tcpKeepAlive?: boolean | null | undefined;
  /**
   * `ConnectTimeout` in ms: bound on the TCP connect plus the server's identification line, as `ssh` applies it.
   * Off by default (ssh2's own `readyTimeout` still bounds the whole handshake).
   */
  readonly connectTimeout?: number | null | undefined;
  /** The server's name in timeout messages; the `host` given to `connect()` by default. */
  readonly host?: string | null | undefined;
  /**
   * Whether a timeout is also emitted as the client's `'error'` event (as ssh2's own keepalive does). Default
   * `true`. With `false` only the handle's `timeout` event reports it; the connection still closes.
   */
  readonly emitError?: boolean | null | undefined;
  /**
   * What a ServerAlive probe is: `"keepalive@openssh.com"` (the default, a want-reply global request, as `ssh` sends
   * it) or `"ping@openssh.com"`, OpenSSH 9.5's transport-level `SSH2_MSG_PING`, answered by `SSH2_MSG_PONG` outside
   * the global-request queue. A ping goes only to a server whose EXT_INFO advertised `ping@openssh.com` (seen when
   * attached before `connect()`); to any other server the probe stays `keepalive@openssh.com`.
   */
  readonly probeKind?: "keepalive@openssh.com" | "ping@openssh.com" | null | undefined;
  /**
   * Clock and timers for the monitor and ConnectTimeout, as one object (a `TestClock` in tests); by default
   * `performance.now()` and core's shared timers.
   */
  readonly time?: (Clock & Timers) | null | undefined;
  /** Lets intervals and timeouts be shorter than 100 ms: for tests on real time only (see `@tsalive/core`). */
  readonly allowFastIntervals?: boolean | null | undefined;
  /**
   * Monotonic clock for the monitor.
   *
   * @deprecated Pass `time` instead; removed in the next minor version.
   */
  readonly clock?: Clock | null | undefined;
  /**
   * Timers for the monitor and ConnectTimeout.
   *
   * @deprecated Pass `time` instead; removed in the next minor version.
   */
  readonly timers?: Timers | null | undefined;
}

const PREFIX = "Cannot attach to ssh2 client";
const OWN_KEYS = ["tcpKeepAlive", "connectTimeout", "host", "emitError", "probeKind"];
const PROBE_KINDS = ["keepalive@openssh.com", "ping@openssh.com"];

/** Checked options, with the monitor's share split out. */
export interface ResolvedClientOptions {
  /** What each connection's monitor runs, or `undefined` when neither ServerAlive nor Heartbeat is on. */
  readonly monitor: MonitorOptions | undefined;
  readonly tcpKeepAlive: boolean;
  readonly connectTimeout: number | undefined;
  readonly host: string | undefined;
  readonly emitError: boolean;
  /** Whether probes are PINGs where the server advertises them. */
  readonly ping: boolean;
  /** The timers ConnectTimeout runs on; `undefined` for the real ones. */
  readonly timers: Timers | undefined;
}

/**
 * Checks every option, core's included, so that a bad one fails at `attach()`, never at the first authentication;
 * throws a `RangeError` naming the option and the value.
 */
export function resolveClientOptions(options: ClientOptions | null | undefined): ResolvedClientOptions {
  if (options === undefined || options === null) return resolveClientOptions({});
  if (typeof options !== "object") {
    throw new RangeError(`${PREFIX}: options must be an object, received ${formatValue(options)}`);
  }
  resolveOptions(options, { prefix: PREFIX, extraKeys: OWN_KEYS });
  const { tcpKeepAlive, connectTimeout, host, emitError, probeKind } = options;
  if (probeKind != null && !PROBE_KINDS.includes(probeKind)) {
    throw new RangeError(
      `${PREFIX}: "probeKind" must be "keepalive@openssh.com" or "ping@openssh.com", received ${formatValue(probeKind)}`,
    );
  }
  if (tcpKeepAlive != null && typeof tcpKeepAlive !== "boolean") {
    throw new RangeError(`${PREFIX}: "tcpKeepAlive" must be a boolean, received ${formatValue(tcpKeepAlive)}`);
  }
  if (emitError != null && typeof emitError !== "boolean") {
    throw new RangeError(`${PREFIX}: "emitError" must be a boolean, received ${formatValue(emitError)}`);
  }
  if (host != null && (typeof host !== "string" || host.length === 0)) {
    throw new RangeError(`${PREFIX}: "host" must be a non-empty string, received ${formatValue(host)}`);
  }
  const fast = options.allowFastIntervals === true;
  const { probe, heartbeat, time, clock, timers } = options;
  const monitor: MonitorOptions | undefined =
    probe == null && heartbeat == null
      ? undefined
      : {
          ...(probe != null && { probe }),
          ...(heartbeat != null && { heartbeat }),
          ...(time != null && { time }),
          ...(clock != null && { clock }),
          ...(timers != null && { timers }),
          ...(fast && { allowFastIntervals: true }),
        };
  return {
    monitor,
    tcpKeepAlive: tcpKeepAlive ?? true,
    connectTimeout: connectTimeout == null ? undefined : checkDuration(PREFIX, "connectTimeout", connectTimeout, fast),
    host: host ?? undefined,
    emitError: emitError ?? true,
    ping: probeKind === "ping@openssh.com",
    timers: time ?? timers ?? undefined,
  };
}
