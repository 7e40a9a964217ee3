/**
 * Watchdog and teardown: how tsalive ends a connection. ClientAlive and UnusedConnectionTimeout report, then destroy
 * the socket at once; the watchdog reports, stops every process of the connection, reports them, then destroys.
 */
import type { LivenessError } from "@tsalive/core";
import type { ConnectionState } from "./_state.ts";
import type { StoppedProcess } from "./_stop_processes.ts";
import { type ServerTimeoutCode, ServerTimeoutError } from "./errors.ts";

/** The monitor expired. */
export function expired(state: ConnectionState, error: LivenessError): void {
  if (error.code === "WATCHDOG_EXPIRED") {
    void watchdogExpired(state, error);
    return;
  }
  fail(state, error.code === "REPLY_TIMEOUT" ? "REPLY_TIMEOUT" : "ALIVE_TIMEOUT", error);
}

/** The watchdog stops every process of the connection first (the point of the 2001 patch), then closes it. */
async function watchdogExpired(state: ConnectionState, error: LivenessError): Promise<void> {
  if (state.ending) return;
  state.ending = true;
  const timeout = new ServerTimeoutError("WATCHDOG_EXPIRED", state.info(), { cause: error });
  state.emit("timeout", timeout);
  try {
    const stopped = (await state.supervisor?.stopAll()) ?? [];
    noteStopped(state, stopped);
    state.emit("watchdog", { error: timeout, stopped });
  } finally {
    destroy(state, timeout);
  }
}

/** Reports, then destroys the socket at once: the peer may read nothing, so `end()` would wait forever. */
export function fail(state: ConnectionState, code: ServerTimeoutCode, cause: LivenessError | undefined): void {
  if (state.ending) return;
  state.ending = true;
  const error = new ServerTimeoutError(code, state.info(), cause === undefined ? undefined : { cause });
  state.emit("timeout", error);
  destroy(state, error);
}

function destroy(state: ConnectionState, error: ServerTimeoutError): void {
  const internals = state.internals;
  // As ssh2's own keepalive reports: 'error' with level 'client-timeout', then 'close'. Only when someone listens:
  // an 'error' nobody handles would throw.
  if (internals !== undefined && internals.listenerCount("error") > 0) internals.emit("error", error);
  state.socket.destroy();
}

/** A close during the watchdog's stop awaits the same run: each process is reported once. */
export function noteStopped(state: ConnectionState, stopped: readonly StoppedProcess[]): void {
  if (stopped.length === 0) return;
  state.stopped ??= new Set();
  for (const process of stopped) state.stopped.add(process);
}
