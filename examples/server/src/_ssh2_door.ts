/**
 * The two private fields of an ssh2 server Connection tsalive-sshd needs, behind one typed door: its socket
 * (to cut a connection off as sshd does) and its protocol (to send SSH_MSG_DISCONNECT before closing, and to give
 * a refused channel sshd's reason and words).
 *
 * @module
 */
import type { Socket } from "node:net";
import type { Connection } from "ssh2";

interface ConnectionInternals {
  _sock?: Socket;
  _protocol?: {
    disconnect(reason: number): void;
    channelOpenFail(recipient: number, reason: number, description: string): void;
  };
}

/** SSH2_DISCONNECT_PROTOCOL_ERROR, what sshd's ssh_packet_disconnect sends. */
export const DISCONNECT_PROTOCOL_ERROR = 2;

/** The connection's socket, if ssh2 still has it. */
export function connectionSocket(connection: Connection): Socket | undefined {
  return (connection as unknown as ConnectionInternals)._sock;
}

/** Sends SSH_MSG_DISCONNECT with `reason` and closes the socket, as sshd's ssh_packet_disconnect does. */
export function disconnect(connection: Connection, reason: number): void {
  const internals = connection as unknown as ConnectionInternals;
  try {
    internals._protocol?.disconnect(reason);
  } catch {
    // the socket went away first
  }
  internals._sock?.end();
}

/** RFC 4254 §5.1: SSH_OPEN_ADMINISTRATIVELY_PROHIBITED and SSH_OPEN_CONNECT_FAILED. */
export const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;
export const OPEN_CONNECT_FAILED = 2;

/**
 * Calls ssh2's `reject` for a channel open with `reason` and `description` instead of the ones ssh2 sends
 * (always CONNECT_FAILED with no words): sshd says `open failed` for a refusal and strerror for a failed connect.
 * ssh2's reject sends its SSH_MSG_CHANNEL_OPEN_FAILURE at once, so the protocol's method is replaced only for that
 * call.
 */
export function rejectChannel(
  connection: Connection,
  reject: (() => void) | undefined,
  reason: number,
  description: string,
): void {
  if (reject === undefined) return;
  const protocol = (connection as unknown as ConnectionInternals)._protocol;
  if (protocol === undefined || typeof protocol.channelOpenFail !== "function") {
    reject();
    return;
  }
  const own = Object.hasOwn(protocol, "channelOpenFail");
  const previous = protocol.channelOpenFail;
  protocol.channelOpenFail = function (this: unknown, recipient: number) {
    previous.call(this, recipient, reason, description);
  };
  try {
    reject();
  } finally {
    if (own) protocol.channelOpenFail = previous;
    else delete (protocol as { channelOpenFail?: unknown }).channelOpenFail;
  }
}
