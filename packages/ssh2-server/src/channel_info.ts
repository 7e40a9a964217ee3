/**
 * One open channel of a connection, from {@linkcode ConnectionLiveness.channels}.
 *
 * @example
 * ```ts
 * import type { ChannelInfo } from "@tsalive/ssh2-server";
 * const shell: ChannelInfo = { id: 0, type: "session", label: "session:shell", idleMs: 1200 };
 * ```
 */
export interface ChannelInfo {
  /** The server's channel id. */
  readonly id: number;
  /** The SSH channel type: `session`, `direct-tcpip`, `forwarded-tcpip`, `x11`, `auth-agent@openssh.com`, … */
  readonly type: string;
  /**
   * The channel's name in sshd's ChannelTimeout: `session` until it starts something, then `session:shell`,
   * `session:command` or `session:subsystem:NAME`; `direct-tcpip`, `forwarded-tcpip`, `x11-connection`,
   * `agent-connection`, ….
   */
  readonly label: string;
  /**
   * Milliseconds since data last went either way on the channel; known only for a channel a `channelTimeout`
   * pattern covers (with a non-zero timeout), since only those are watched, else `undefined`.
   */
  readonly idleMs: number | undefined;
}
