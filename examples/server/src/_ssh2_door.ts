/**
 * The two private fields of an ssh2 server Connection tsalive-sshd needs, behind one typed door: its socket
 * (to cut a connection off as sshd does) and its protocol (to send SSH_MSG_DISCONNECT before closing).
 *
 * @module
 */
import type { Socket } from "node:net";
import type { Connection } from "ssh2";

interface ConnectionInternals {
  _sock?: Socket;
  _protocol?: { disconnect(reason: number): void };
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
