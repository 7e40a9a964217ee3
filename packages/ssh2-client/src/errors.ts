import { type LivenessError, TsaliveError } from "@tsalive/core";
import { compatibilityMessage, SSH2_RANGE as RANGE, TESTED_SSH2_VERSIONS as TESTED } from "@tsalive/ssh2-layer";

/**
 * Why {@linkcode attach} gave up on a connection.
 *
 * - `ALIVE_TIMEOUT`: more than `probe.countMax` probes went unanswered (`ServerAliveCountMax`).
 * - `REPLY_TIMEOUT`: nothing arrived within `probe.replyTimeout` of a probe.
 * - `CONNECT_TIMEOUT`: the TCP connection or the server's identification line took longer than `connectTimeout`
 *   (`ConnectTimeout`).
 */
export type ClientTimeoutCode = "ALIVE_TIMEOUT" | "REPLY_TIMEOUT" | "CONNECT_TIMEOUT";

/**
 * The error a timed-out connection ends with, emitted as the handle's `timeout` event and, unless
 * `emitError: false`, as the ssh2 client's `'error'` just before its `'close'`. The message is OpenSSH's:
 * `Timeout, server HOST not responding.` for ServerAlive, `ssh: connect to host HOST port PORT: Connection timed
 * out` or `Connection timed out during banner exchange` for ConnectTimeout. `level` is `"client-timeout"`, as on
 * ssh2's own keepalive and ready-timeout errors, so existing `'error'` handlers keep working. For probe timeouts
 * the `cause` is the core `LivenessError`, with `silentFor` and `unansweredProbes`.
 *
 * @example
 * ```ts
 * import { ClientTimeoutError } from "@tsalive/ssh2-client";
 * const error = new ClientTimeoutError("ALIVE_TIMEOUT", "example.com");
 * error.message; // "Timeout, server example.com not responding."
 * error.level; // "client-timeout"
 * ```
 */
export class ClientTimeoutError extends TsaliveError<ClientTimeoutCode> {
  override name: string = "ClientTimeoutError";
  /** ssh2's error level for timeouts, so handlers that check `err.level` treat this one alike. */
  readonly level: "client-timeout" = "client-timeout";
  /** The server as named in the message. */
  readonly host: string;

  constructor(
    code: ClientTimeoutCode,
    host: string,
    options?: { readonly cause?: LivenessError | unknown; readonly port?: number; readonly phase?: "tcp" | "banner" },
  ) {
    super(code, describe(code, host, options?.port, options?.phase), options);
    this.host = host;
  }
}

function describe(
  code: ClientTimeoutCode,
  host: string,
  port: number | undefined,
  phase: "tcp" | "banner" | undefined,
) {
  if (code !== "CONNECT_TIMEOUT") return `Timeout, server ${host} not responding.`;
  // ssh.c / sshconnect.c word the two phases of ConnectTimeout differently.
  if (phase === "banner") return "Connection timed out during banner exchange";
  return `ssh: connect to host ${host} port ${port ?? 22}: Connection timed out`;
}

/**
 * Thrown by {@linkcode attach} when the ssh2 it is given lacks an internal the adapter relies on (ssh2 has no
 * public API for probes, `SSH_MSG_IGNORE` or packet-level activity). The message names the missing piece and the
 * ssh2 versions the adapter was tested with.
 *
 * @example
 * ```ts
 * import { Ssh2CompatibilityError } from "@tsalive/ssh2-client";
 * new Ssh2CompatibilityError("Protocol#ping").code; // "SSH2_INCOMPATIBLE"
 * ```
 */
export class Ssh2CompatibilityError extends TsaliveError<"SSH2_INCOMPATIBLE"> {
  override name: string = "Ssh2CompatibilityError";
  /** The internal that is missing or has an unexpected type, e.g. `Protocol#ping`. */
  readonly missing: string;

  constructor(missing: string) {
    // The message and the tested versions are the shared layer's, so both adapters word it alike.
    super("SSH2_INCOMPATIBLE", compatibilityMessage("@tsalive/ssh2-client", missing));
    this.missing = missing;
  }
}

/** The ssh2 releases the contract test ran against. */
export const TESTED_SSH2_VERSIONS: string = TESTED;
/** The peer dependency range. */
export const SSH2_RANGE: string = RANGE;
