import { formatValue } from "@tsalive/core";
import type { Connection } from "ssh2";
import { OptionsRefused } from "./_refuse.ts";
import { checkConnection, checkModules } from "./_ssh2_internals.ts";
import { ConnectionLiveness } from "./connection.ts";
import { resolveServerOptions, type ServerOptionsInput } from "./options.ts";

/**
 * Attaches tsalive to one ssh2 server `Connection`, typically from the server's `'connection'` listener. Everything
 * {@linkcode attach} gives a connection, except that the watchdog counts from this call (the socket's accept is
 * past). Use it when only some connections should be watched, or with a Server you do not construct.
 *
 * @throws {TypeError} when `connection` is not an object.
 * @throws {Ssh2CompatibilityError} when this ssh2 lacks an internal the adapter needs.
 * @throws {RangeError} for a bad option, naming it and the value received, including the answer of an options
 * function; what the function throws is thrown as it is.
 * @throws {Error} when the connection is already attached.
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `server` is your ssh2 Server.
 * import type { Server } from "ssh2";
 * import { attachConnection } from "@tsalive/ssh2-server";
 * declare const server: Server;
 * server.on("connection", (connection) => {
 *   const liveness = attachConnection(connection, { probe: { interval: 15_000 } });
 *   connection.on("session", (accept) => {
 *     accept().on("exec", (acceptExec, _reject, info) => liveness.supervisor.exec(acceptExec(), info.command));
 *   });
 * });
 * ```
 */
export function attachConnection(connection: Connection, options?: ServerOptionsInput | null): ConnectionLiveness {
  if (typeof connection !== "object" || connection === null) {
    throw new TypeError(
      `Cannot attach to ssh2 connection: expected an ssh2 server Connection, received ${formatValue(connection)}`,
    );
  }
  options ??= {};
  if (typeof options !== "function") resolveServerOptions(options);
  checkModules();
  const internals = checkConnection(connection);
  if (ConnectionLiveness.of(internals._sock) !== undefined) {
    throw new Error("Cannot attach to ssh2 connection: already attached");
  }
  let handle: ConnectionLiveness;
  try {
    handle = new ConnectionLiveness(internals._sock, options);
  } catch (error) {
    // The caller asked for this connection: what its function threw, or the RangeError of its answer, is theirs.
    throw error instanceof OptionsRefused ? error.error : error;
  }
  handle.adopt(connection);
  return handle;
}
