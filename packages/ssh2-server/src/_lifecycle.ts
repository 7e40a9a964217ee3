/**
 * A connection's life from the accept to the close: the hooks into ssh2's Connection, authentication (the second
 * answer of an options function, the monitor after authentication, channel tracking), detach, and the close that
 * stops the connection's processes. Functions over the connection's state, shared by every connection.
 */
import type { Socket } from "node:net";
import { LivenessMonitor, type MonitorOptions } from "@tsalive/core";
import {
  bindState,
  hook,
  markBytes,
  markPackets,
  markParsed,
  markWrites,
  previous,
  stateOf,
  unhook,
  unmarkBytes,
  unmarkPackets,
  unmarkParsed,
  unmarkWrites,
} from "@tsalive/ssh2-layer";
import type { Connection } from "ssh2";
import { installAnswers, removeAnswers } from "./_answers.ts";
import { trackChannels, untrackChannels } from "./_channel_tracking.ts";
import { FORWARDED, subscribe } from "./_forwarding.ts";
import { holdIdentification, passIdentification, releaseIdentification } from "./_identification.ts";
import { installProbes, removeProbes } from "./_probes.ts";
import { OptionsRefused, refuseAuthenticated, resolveFor } from "./_refuse.ts";
import { checkConnection, type HandlerOf } from "./_ssh2_internals.ts";
import type { ConnectionEmitter, ConnectionState } from "./_state.ts";
import { noteStopped } from "./_teardown.ts";
import { ProcessSupervisor } from "./supervisor.ts";

// The hooks below are one function each for every connection; each finds its connection's state on its object.
const onUserauthRequest: HandlerOf<"USERAUTH_REQUEST"> = (p, username, ...rest) => {
  const state = stateOf<ConnectionState>(p);
  if (state !== undefined && !state.authenticated) state.lastUser = username;
  previous(p._handlers, onUserauthRequest)?.(p, username, ...rest);
};
function onReady(this: ConnectionEmitter): void {
  this.removeListener("ready", onReady);
  const state = stateOf<ConnectionState>(this._protocol);
  if (state !== undefined) onAuthenticated(state);
}
function onClose(this: Socket): void {
  const state = stateOf<ConnectionState>(this);
  if (state !== undefined) void closed(state);
}
type Destroy = (this: Socket, error: Error | null, callback: (error?: Error | null) => void) => void;
/**
 * The close, found without a 'close' listener of our own until the socket is being destroyed: ssh2 already keeps
 * two, and a third makes Node grow the socket's listener list to 19 slots. Every path to 'close' goes through
 * `_destroy` (net.js), with the local address still readable, and 'close' follows it; ours goes first, as before.
 */
function _destroy(this: Socket, error: Error | null, callback: (error?: Error | null) => void): void {
  const state = stateOf<ConnectionState>(this);
  if (state !== undefined) {
    state.info();
    this.prependListener("close", onClose);
  }
  (previous(this, _destroy) as Destroy).call(this, error, callback);
}
/** Watches a socket just accepted (its state made and bound): the monitor before authentication, bytes, the close. */
export function watchSocket(state: ConnectionState): void {
  const { socket, options } = state;
  if (options.tcpKeepAlive) socket.setKeepAlive(true);
  if (options.beforeAuth !== undefined) startMonitor(state, options.beforeAuth);
  bindState(socket, state);
  // Raw bytes are inbound activity until ssh2 parses packets (a client that stalls before its identification), and
  // so are those the identification hold keeps back. The close stays watched after detach(): the supervisor stops
  // the processes then.
  holdIdentification(socket);
  markBytes(socket);
  hook(socket, "_destroy", _destroy);
}

/**
 * Hooks into the ssh2 Connection of the state's socket.
 *
 * @throws {Ssh2CompatibilityError} when this ssh2 lacks an internal the adapter needs.
 */
export function adopt(state: ConnectionState, connection: Connection): void {
  if (state.internals !== undefined || state.disposed) return;
  const internals = checkConnection(connection) as ConnectionEmitter;
  const protocol = internals._protocol;
  state.internals = internals;
  state.protocol = protocol;
  // The handler table's hooks find the state through the protocol, their first argument.
  bindState(protocol, state);
  markPackets(protocol, state);
  // ssh2 reads the socket now (its 'data' listener feeds parse): bytes are marked there, and the socket's 'data'
  // listeners go back to ssh2's one. ssh2 has the identification line: the hold stays, passing chunks on, until
  // detach.
  markParsed(protocol);
  unmarkBytes(state.socket);
  passIdentification(state.socket);
  installProbes(protocol);
  installAnswers(protocol);
  hook(protocol._handlers, "USERAUTH_REQUEST", onUserauthRequest);
  if (internals.authenticated) onAuthenticated(state);
  else internals.on("ready", onReady);
}

/** Removes every liveness hook and stops the monitor; the close stays watched. Idempotent. */
export function detach(state: ConnectionState): void {
  if (state.disposed) return;
  dispose(state);
  watchCloseAfterDetach(state);
}

/** The connection's supervisor, made on first use. */
export function supervisorOf(state: ConnectionState): ProcessSupervisor {
  state.supervisor ??= new ProcessSupervisor({ killGrace: state.options.killGrace });
  return state.supervisor;
}

/** Every hook comes out in the reverse order of going in, so chained hooks on one key unwind. */
function dispose(state: ConnectionState): void {
  if (state.disposed) return;
  state.disposed = true;
  state.monitor?.stop();
  const { socket, protocol, internals } = state;
  if (state.writes) unmarkWrites(socket);
  if (protocol !== undefined && internals !== undefined) {
    internals.removeListener("ready", onReady);
    untrackChannels(state, protocol);
    unhook(protocol._handlers, "USERAUTH_REQUEST", onUserauthRequest);
    removeAnswers(protocol);
    removeProbes(protocol);
    unmarkParsed(protocol);
    unmarkPackets(protocol, state);
  }
  unmarkBytes(socket);
  releaseIdentification(socket);
}

/**
 * After detach() the socket's internals are ssh2's again, so the close comes through a 'close' listener; unless
 * someone wrapped `_destroy` over ours since, or the socket is being destroyed already (ours then listens).
 */
function watchCloseAfterDetach(state: ConnectionState): void {
  const socket = state.socket;
  if (socket._destroy !== _destroy) return;
  unhook(socket, "_destroy", _destroy);
  if (socket.destroyed) return;
  state.info();
  socket.on("close", onClose);
}

function startMonitor(state: ConnectionState, options: MonitorOptions): void {
  state.monitor?.stop();
  const monitor = new LivenessMonitor(state, options);
  state.monitor = monitor;
  for (const [bit, event] of FORWARDED) {
    if ((state.forwarded & bit) !== 0 || state.owner?.wants(event) === true) {
      state.forwarded |= bit;
      subscribe(state, monitor, bit);
    }
  }
  monitor.start();
}

function onAuthenticated(state: ConnectionState): void {
  if (state.authenticated || state.disposed) return;
  state.authenticated = true;
  // Made already: it gains the user. Otherwise it is made with the user when first asked for.
  if (state.infoMade !== undefined) state.infoMade = { ...state.infoMade, user: state.lastUser };
  if (typeof state.input === "function") {
    try {
      state.options = resolveFor(state.input, () => state.info());
    } catch (error) {
      if (!(error instanceof OptionsRefused)) throw error;
      refuseAuthenticated(state, error);
      return;
    }
  }
  const options = state.options;
  // A fresh monitor rather than reconfigure(): the client's last packet arrived just now (its USERAUTH_REQUEST),
  // and a new monitor shares the resolved options of every other connection instead of holding its own copy.
  if (options.afterAuth === undefined) {
    state.monitor?.stop();
    state.monitor = undefined;
  } else {
    startMonitor(state, options.afterAuth);
  }
  // Every write to the socket is outbound activity for the heartbeat: a clock read, no timer reset.
  if (options.afterAuth?.heartbeat !== undefined) {
    markWrites(state.socket);
    state.writes = true;
  }
  if ((options.unusedConnectionTimeout !== undefined || options.channelTimeout.length > 0) && state.protocol) {
    trackChannels(state, state.protocol, options);
  }
  // Nobody listening, nobody needs the info made now.
  if (state.heard("authenticated")) state.emit("authenticated", state.info());
}

/** The socket closed: every hook goes, then every process of the connection. */
async function closed(state: ConnectionState): Promise<void> {
  state.ending = true;
  dispose(state);
  try {
    // A supervisor asked for after the close starts closed and stops what it is given at once.
    noteStopped(state, await supervisorOf(state).stopAll());
  } finally {
    state.owner?.closed(state.handle);
    state.emit("close", { stopped: [...(state.stopped ?? [])] });
    state.events?.clear();
  }
}
