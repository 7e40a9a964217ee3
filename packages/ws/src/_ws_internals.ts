/**
 * The one door to `ws` internals: the `net.Socket` under a WebSocket (`_socket`, set by `ws` when the socket
 * opens), whose `'data'` events mark inbound activity per chunk of bytes rather than per whole frame.
 */

/** The part of a `net.Socket` the adapter uses. */
export interface ByteSource {
  on(event: "data", listener: () => void): unknown;
  off(event: "data", listener: () => void): unknown;
}

/** The `net.Socket` under an open `ws` WebSocket, or `undefined` when this `ws` has none we can use. */
export function byteSourceOf(socket: object): ByteSource | undefined {
  const raw: unknown = (socket as { _socket?: unknown })._socket;
  if (typeof raw !== "object" || raw === null) return undefined;
  const candidate = raw as Partial<ByteSource>;
  return typeof candidate.on === "function" && typeof candidate.off === "function"
    ? (candidate as ByteSource)
    : undefined;
}
