import { type Clock, type MonitorState, systemClock } from "@tsalive/core";
import type { ChannelInfo, ConnectionLiveness, ServerLiveness } from "@tsalive/ssh2-server";

/**
 * One connection as {@linkcode ConnectionTracker.dump} sees it, from the adapter's public `stats()`, `channels()`
 * and supervisor.
 */
export interface ConnectionDump {
  /** The authenticated user; `undefined` before authentication. */
  readonly user: string | undefined;
  readonly addr: string;
  readonly port: number;
  readonly authenticated: boolean;
  /** Milliseconds since the socket was accepted; `undefined` when it was accepted before `trackConnections()`. */
  readonly age: number | undefined;
  /** The liveness monitor's state; `undefined` while no monitor runs. */
  readonly state: MonitorState | undefined;
  /** Milliseconds since the last packet from the client; `undefined` while no monitor runs. */
  readonly lastInboundAge: number | undefined;
  /** Probes sent since the last inbound packet (the count compared with `ClientAliveCountMax`). */
  readonly unansweredProbes: number;
  /** Round-trip time of the last answered probe, in ms; `undefined` until one was answered. */
  readonly lastRtt: number | undefined;
  /**
   * Channels open now, each with its type, ChannelTimeout label and idle time (the idle time only where a
   * ChannelTimeout pattern covers it); `undefined` when the adapter does not track channels (neither
   * UnusedConnectionTimeout nor ChannelTimeout is set).
   */
  readonly channels: readonly ChannelInfo[] | undefined;
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
 * Describes every open connection of a server handle (its `connections()`) in one call: user and address, the age
 * of the last inbound packet, unanswered probes, the last RTT, the channels with their types and idle times, and
 * the session processes. It notes accept times from the handle's `accept` event for `age` (one weakly held entry
 * per connection). `clock` must be the adapter's (its `time` option; by default both read `performance.now()`).
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
  liveness: Pick<ServerLiveness, "on" | "connections">,
  options: { readonly clock?: Clock | undefined } = {},
): ConnectionTracker {
  const clock = options.clock ?? systemClock;
  let acceptedAt = new WeakMap<ConnectionLiveness, number>();
  let off: (() => void) | undefined = liveness.on("accept", (connection) => acceptedAt.set(connection, clock.now()));
  return {
    dump: () => {
      if (off === undefined) return [];
      const now = clock.now();
      return liveness.connections().map((connection) => {
        const at = acceptedAt.get(connection);
        return describe(connection, at === undefined ? undefined : now - at, now);
      });
    },
    stop: () => {
      off?.();
      off = undefined;
      acceptedAt = new WeakMap();
    },
  };
}

function describe(connection: ConnectionLiveness, age: number | undefined, now: number): ConnectionDump {
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
    channels: connection.channels(),
    processes: connection.supervisor.pids,
  };
}
