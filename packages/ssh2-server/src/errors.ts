import { type LivenessError, TsaliveError } from "@tsalive/core";
import { compatibilityMessage, SSH2_RANGE as RANGE, TESTED_SSH2_VERSIONS as TESTED } from "@tsalive/ssh2-layer";

/**
 * Why tsalive ended a connection.
 *
 * - `ALIVE_TIMEOUT`: more than `probe.countMax` probes went unanswered (`ClientAliveCountMax`).
 * - `REPLY_TIMEOUT`: nothing arrived within `probe.replyTimeout` of a probe.
 * - `WATCHDOG_EXPIRED`: nothing arrived for `watchdog.timeout` (`WatchdogTimeout`); the connection's processes were
 *   stopped first.
 * - `UNUSED_CONNECTION_TIMEOUT`: no channel was open for `unusedConnectionTimeout` (`UnusedConnectionTimeout`).
 */
export type ServerTimeoutCode = "ALIVE_TIMEOUT" | "REPLY_TIMEOUT" | "WATCHDOG_EXPIRED" | "UNUSED_CONNECTION_TIMEOUT";

/** Who and where a connection is, as sshd names it in its log (`user root 127.0.0.1 port 52146`). */
export interface Peer {
  /** The authenticated user; `undefined` before authentication. */
  readonly user?: string | undefined;
  readonly addr: string;
  readonly port: number;
}

/**
 * The error a connection ends with, emitted as the handle's `timeout` event and, when the connection has `'error'`
 * listeners, as its `'error'` just before `'close'`. The message is sshd's: `Timeout, client not responding from
 * user root 127.0.0.1 port 52146` for ClientAlive (serverloop.c, with sshpkt_fmt_connection_id), `terminating
 * inactive connection from …` for UnusedConnectionTimeout, and `Watchdog timeout, no data from …` for the watchdog.
 * `level` is `"client-timeout"`, as on ssh2's own server keepalive error, so existing handlers keep working. For
 * probe and watchdog timeouts the `cause` is the core `LivenessError`, with `silentFor` and `unansweredProbes`.
 *
 * @example
 * ```ts
 * import { ServerTimeoutError } from "@tsalive/ssh2-server";
 * const error = new ServerTimeoutError("ALIVE_TIMEOUT", { user: "root", addr: "127.0.0.1", port: 52146 });
 * error.message; // "Timeout, client not responding from user root 127.0.0.1 port 52146"
 * error.level; // "client-timeout"
 * ```
 */
export class ServerTimeoutError extends TsaliveError<ServerTimeoutCode> {
  override name: string = "ServerTimeoutError";
  /** ssh2's error level for timeouts, so handlers that check `err.level` treat this one alike. */
  readonly level: "client-timeout" = "client-timeout";
  /** The client as named in the message. */
  readonly peer: Peer;

  constructor(code: ServerTimeoutCode, peer: Peer, options?: { readonly cause?: LivenessError | unknown }) {
    super(code, describe(code, peer), options);
    this.peer = peer;
  }
}

/** sshpkt_fmt_connection_id (packet.c): the log preamble (`user NAME`) once known, then `ADDR port P`. */
export function formatPeer(peer: Peer): string {
  return `${peer.user === undefined ? "" : `user ${peer.user} `}${peer.addr} port ${peer.port}`;
}

function describe(code: ServerTimeoutCode, peer: Peer): string {
  switch (code) {
    case "ALIVE_TIMEOUT":
    case "REPLY_TIMEOUT":
      return `Timeout, client not responding from ${formatPeer(peer)}`;
    case "WATCHDOG_EXPIRED":
      return `Watchdog timeout, no data from ${formatPeer(peer)}`;
    case "UNUSED_CONNECTION_TIMEOUT":
      return `terminating inactive connection from ${formatPeer(peer)}`;
  }
}

/**
 * Thrown by {@linkcode attach} when the ssh2 it is given lacks an internal the adapter relies on (ssh2 has no
 * public API for probes, `SSH_MSG_IGNORE`, packet-level activity or the accepted socket). The message names the missing piece and the
 * ssh2 versions the adapter was tested with.
 *
 * @example
 * ```ts
 * import { Ssh2CompatibilityError } from "@tsalive/ssh2-server";
 * new Ssh2CompatibilityError("Protocol#_onPacket").code; // "SSH2_INCOMPATIBLE"
 * ```
 */
export class Ssh2CompatibilityError extends TsaliveError<"SSH2_INCOMPATIBLE"> {
  override name: string = "Ssh2CompatibilityError";
  /** The internal that is missing or has an unexpected type, e.g. `Protocol#_onPacket`. */
  readonly missing: string;

  constructor(missing: string) {
    // The message and the tested versions are the shared layer's, so both adapters word it alike.
    super("SSH2_INCOMPATIBLE", compatibilityMessage("@tsalive/ssh2-server", missing));
    this.missing = missing;
  }
}

/** The ssh2 releases the contract test ran against. */
export const TESTED_SSH2_VERSIONS: string = TESTED;
/** The peer dependency range. */
export const SSH2_RANGE: string = RANGE;
