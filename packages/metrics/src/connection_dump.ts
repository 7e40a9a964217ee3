import { type Clock, type MonitorState, systemClock } from "@tsalive/core";
import type { ConnectionLiveness, ServerLiveness } from "@tsalive/ssh2-server";

/** One connection as {@linkcode ConnectionTracker.dump} sees it, from the adapter's public `stats()` and supervisor. */
export interface ConnectionDump {
  /** The authenticated user; `undefined` before authentication. */
  readonly user: string | undefined;
  readonly addr: string;
  readonly port: number;
  readonly authenticated: boolean;
  /** Milliseconds since the socket was accepted. */
  readonly age: number;
  /** The liveness monitor's state; `undefined` while no monitor runs. */
  readonly state: MonitorState | undefined;
  /** Milliseconds since the last packet from the client; `undefined` while no monitor runs. */
  readonly lastInboundAge: number | undefined;
  /** Probes sent since the last inbound packet (the count compared with `ClientAliveCountMax`). */
  readonly unansweredProbes: number;
  /** Round-trip time of the last answered probe, in ms; `undefined` until one was answered. */
  readonly lastRtt: number | undefined;
  /** Channels open now (tracked when UnusedConnectionTimeout or ChannelTimeout is set, else `undefined`). */
  readonly openChannels: number | undefined;
  /** PIDs (process group leaders) of the sessions the connection's supervisor runs. */
  readonly processes: readonly number[];
}

/** The handle {@linkcode trackConnections} returns. */
export interface ConnectionTracker {
  /** Every open connection, oldest first. */
  dump(): ConnectionDump[];
  /** Unsubscribes; `dump()` returns nothing after. */
  stop(): void;
}

/**
 * Keeps the list of a server handle's open connections (from its `accept` and `close` events) so that one call
 * describes them all: user and address, the age of the last inbound packet, unanswered probes, the last RTT, open
 * channels and the session processes. Connections accepted before the call are not listed. `clock` must be the
 * adapter's (its `time` option; by default both read `performance.now()`).
 *
 * @example
 * ```ts no-run
 * // no-run: a fragment; `server` is your ssh2 Server.
 * import type { Server } from "ssh2";
 * import { attach } from "@tsalive/ssh2-server";
 * import { trackConnections } from "@tsalive/metrics";
 * declare const server: Server;
 * const connections = trackConnections(attach(server, { probe: { interval: 15_000 } }));
 * process.on("SIGUSR1", () => console.log(connections.dump()));
 * ```
 */
export function trackConnections(
  liveness: Pick<ServerLiveness, "on">,
  options: { readonly clock?: Clock | undefined } = {},
): ConnectionTracker {
  const clock = options.clock ?? systemClock;
  const open = new Map<ConnectionLiveness, number>();
  const undo = [
    liveness.on("accept", (connection) => open.set(connection, clock.now())),
    liveness.on("close", ({ connection }) => open.delete(connection)),
  ];
  return {
    dump: () => {
      const now = clock.now();
      return [...open].map(([connection, acceptedAt]) => describe(connection, now - acceptedAt, now));
    },
    stop: () => {
      for (const off of undo.splice(0)) off();
      open.clear();
    },
  };
}

function describe(connection: ConnectionLiveness, age: number, now: number): ConnectionDump {
  const stats = connection.stats();
  const monitor = stats.monitor;
  return {
    user: stats.info.user,
    addr: stats.info.addr,
    port: stats.info.port,
    authenticated: stats.authenticated,
    age,
    state: monitor?.state,
    lastInboundAge: monitor === undefined ? undefined : now - monitor.lastInboundAt,
    unansweredProbes: monitor?.unansweredProbes ?? 0,
    lastRtt: monitor?.rtt?.last,
    openChannels: stats.openChannels,
    processes: connection.supervisor.pids,
  };
}
