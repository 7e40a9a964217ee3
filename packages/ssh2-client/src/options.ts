import { type Clock, type HeartbeatOptions, MAX_TIMER_DELAY, type ProbeOptions, type Timers } from "@tsalive/core";

/**
 * What {@linkcode attach} does to an ssh2 client, in the shape of `@tsalive/core`'s `MonitorOptions` plus the
 * socket-level keywords of ssh_config. Every mechanism left out (or `undefined`, so that a mapping from a resolved
 * ssh_config can pass its values straight through) is off, except `tcpKeepAlive` (on, as in ssh_config).
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
  readonly probe?: ProbeOptions | undefined;
  /** Heartbeat: send `SSH_MSG_IGNORE` after `interval` ms with nothing sent. Keeps NAT state; never fails. */
  readonly heartbeat?: HeartbeatOptions | undefined;
  /** `TCPKeepAlive`: SO_KEEPALIVE on the socket (kernel timing). Default `true`, as in ssh_config. */
  readonly tcpKeepAlive?: boolean | undefined;
  /**
   * `ConnectTimeout` in ms: bound on the TCP connect plus the server's identification line, as `ssh` applies it.
   * Off by default (ssh2's own `readyTimeout` still bounds the whole handshake).
   */
  readonly connectTimeout?: number | undefined;
  /** The server's name in timeout messages; the `host` given to `connect()` by default. */
  readonly host?: string | undefined;
  /**
   * Whether a timeout is also emitted as the client's `'error'` event (as ssh2's own keepalive does). Default
   * `true`. With `false` only the handle's `timeout` event reports it; the connection still closes.
   */
  readonly emitError?: boolean | undefined;
  /** Monotonic clock for the monitor; `systemClock` by default. */
  readonly clock?: Clock | undefined;
  /** Timers for the monitor and ConnectTimeout; core's shared timers by default. */
  readonly timers?: Timers | undefined;
}

const PREFIX = "Cannot attach to ssh2 client";

/** Checks the options that core does not, throwing a `RangeError` naming the option and the value. */
export function checkClientOptions(options: ClientOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new RangeError(`${PREFIX}: options must be an object, received ${String(options)}`);
  }
  const { tcpKeepAlive, connectTimeout, host, emitError } = options;
  if (tcpKeepAlive !== undefined && typeof tcpKeepAlive !== "boolean") {
    throw new RangeError(`${PREFIX}: "tcpKeepAlive" must be a boolean, received ${show(tcpKeepAlive)}`);
  }
  if (emitError !== undefined && typeof emitError !== "boolean") {
    throw new RangeError(`${PREFIX}: "emitError" must be a boolean, received ${show(emitError)}`);
  }
  if (
    connectTimeout !== undefined &&
    (typeof connectTimeout !== "number" || !(connectTimeout > 0 && connectTimeout <= MAX_TIMER_DELAY))
  ) {
    throw new RangeError(
      `${PREFIX}: "connectTimeout" must be a number of milliseconds greater than 0 and at most ${MAX_TIMER_DELAY}, received ${show(connectTimeout)}`,
    );
  }
  if (host !== undefined && (typeof host !== "string" || host.length === 0)) {
    throw new RangeError(`${PREFIX}: "host" must be a non-empty string, received ${show(host)}`);
  }
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
