import type { MonitorStats } from "@tsalive/core";
import type { Refusal } from "./_refuse.ts";
import type { StoppedProcess } from "./_stop_processes.ts";
import type { ConnectionLiveness } from "./connection.ts";
import type { ServerTimeoutError } from "./errors.ts";
import type { ConnectionInfo } from "./options.ts";

/** A want-reply channel request that ssh2 would have left unanswered, and the reply tsalive sent for it. */
export interface AnsweredRequest {
  /** Our channel id (the request's recipient). */
  readonly channel: number;
  /** The request type, e.g. `keepalive@openssh.com`. */
  readonly type: string;
  /**
   * Why ssh2 stays silent: `started` (the session already runs a shell, command or subsystem: ssh2's accept/reject
   * are inert then), `ending` (the client sent EOF or CLOSE on the session).
   */
  readonly state: "started" | "ending";
}

/** Payloads of the events a {@linkcode ConnectionLiveness} emits. */
export interface ConnectionLivenessEvents {
  /** The client authenticated; ClientAlive and Heartbeat run from now on. */
  authenticated: ConnectionInfo;
  /** A `keepalive@openssh.com` probe went out; `unanswered` counts it and the earlier ones of this silence. */
  probe: { readonly unanswered: number; readonly via: "channel" | "global" };
  /** A probe was answered (SUCCESS or FAILURE); `rtt` in ms. */
  reply: { readonly rtt: number | undefined };
  /** An `SSH_MSG_IGNORE` heartbeat went out. */
  heartbeat: undefined;
  /**
   * tsalive is ending the connection (ClientAlive, Watchdog or UnusedConnectionTimeout). For the watchdog the
   * processes are stopped next (the `watchdog` event names them), then the socket is destroyed; otherwise the
   * socket is destroyed at once.
   */
  timeout: ServerTimeoutError;
  /** ChannelTimeout closed a channel. */
  "channel-timeout": { readonly channel: number; readonly label: string };
  /** tsalive answered a want-reply channel request that ssh2 would have left unanswered. */
  answer: AnsweredRequest;
  /**
   * The watchdog stopped the connection's processes: `stopped` names each one that went (PID, command, and
   * whether it took the SIGKILL). Emitted once they are gone, before the socket is destroyed; `timeout` came first.
   */
  watchdog: { readonly error: ServerTimeoutError; readonly stopped: readonly StoppedProcess[] };
  /**
   * The socket closed and every process of the connection was stopped: `stopped` names each one stopped by the
   * watchdog or at the close (not those a closing channel stopped before).
   */
  close: { readonly stopped: readonly StoppedProcess[] };
}

/** A snapshot from {@linkcode ConnectionLiveness.stats}. */
export interface ConnectionLivenessStats {
  readonly info: ConnectionInfo;
  readonly authenticated: boolean;
  /** Channels open now (tracked when `unusedConnectionTimeout` or `channelTimeout` is set, else `undefined`). */
  readonly openChannels: number | undefined;
  /** Sessions the supervisor tracks now (a leader running, or processes left of its session). */
  readonly processes: number;
  /** Want-reply channel requests answered by tsalive because ssh2 would not have. */
  readonly answeredRequests: number;
  /** Want-reply channel requests for a channel id that does not exist, which nobody can answer. */
  readonly unanswerableRequests: number;
  readonly monitor: MonitorStats | undefined;
}

/** What a {@linkcode ConnectionLiveness} reports to the server handle that owns it, if any. */
export interface ConnectionOwner {
  emit<K extends keyof ConnectionLivenessEvents>(
    connection: ConnectionLiveness,
    event: K,
    payload: ConnectionLivenessEvents[K],
  ): void;
  closed(connection: ConnectionLiveness): void;
  /** Whether the server handle has listeners for an event (a monitor's are forwarded only then). */
  wants(event: keyof ConnectionLivenessEvents): boolean;
  /** The per-connection options function failed for this connection, which is being destroyed. */
  refused(refusal: Refusal): void;
}
