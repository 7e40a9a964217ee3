import { type Clock, type MonitorStats, systemClock } from "@tsalive/core";
import type { Client } from "ssh2";
import { internalsOf, openChannels } from "./_ssh2_internals.ts";
import type { ClientLivenessStats } from "./attach.ts";

/** Which server a dumped connection goes to, as a log line names it (`user@host port port`). */
export interface DumpTarget {
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number;
}

/** One open channel of a dumped connection: ssh2's channel type and, for a session, what it runs. */
export interface ChannelDump {
  /** Our channel id. */
  readonly id: number;
  /** `session`, `direct-tcpip`, `forwarded-tcpip`, `x11`, … */
  readonly type: string;
  /** A session's `exec`, `shell` or `subsystem`; `undefined` for other channels and a session not started. */
  readonly subtype: string | undefined;
}

/**
 * One client connection's liveness at one moment, for a live dump (OpenSSH 10.1's SIGINFO, `ssh -O conninfo`):
 * what {@linkcode dumpConnection} and {@linkcode Chain.dump} return.
 */
export interface ConnectionDump extends DumpTarget {
  /** The liveness monitor's state; `undefined` before the first authentication. */
  readonly state: MonitorStats["state"] | undefined;
  /** Milliseconds since the last packet from the server; `undefined` before the first authentication. */
  readonly lastInboundAge: number | undefined;
  /** Probes sent since the last inbound packet (the count compared with `ServerAliveCountMax`). */
  readonly unansweredProbes: number;
  /** Round-trip time of the last answered probe, in ms. */
  readonly lastRtt: number | undefined;
  readonly probesSent: number;
  readonly heartbeatsSent: number;
  /** The open channels, ids ascending; `undefined` when not known (no client given, or ssh2 keeps them elsewhere). */
  readonly channels: readonly ChannelDump[] | undefined;
}

/** Options of {@linkcode dumpConnection}. */
export interface DumpOptions {
  /** The clock the adapter's monitor runs on (its `time` option); `performance.now()` by default, as there. */
  readonly clock?: Clock | undefined;
  /** The ssh2 client, to list its open channels; without it `channels` is `undefined`. */
  readonly client?: Client | undefined;
}

/**
 * Describes one connection from its liveness handle's `stats()` (a {@linkcode ClientLiveness} or anything with the
 * same `stats()`), and its open channels from the ssh2 client when given. Reads only; never sends a packet.
 *
 * @example
 * ```ts
 * import { Client } from "ssh2";
 * import { attach, dumpConnection } from "@tsalive/ssh2-client";
 * const client = new Client();
 * const liveness = attach(client, { probe: { interval: 15_000 } });
 * const dump = dumpConnection({ user: "me", host: "example.org", port: 22 }, liveness.stats(), { client });
 * dump.state; // undefined: not authenticated yet
 * dump.channels; // undefined: ssh2 has no channel table before connect()
 * liveness.detach();
 * ```
 */
export function dumpConnection(
  target: DumpTarget,
  stats: Pick<ClientLivenessStats, "monitor">,
  options: DumpOptions = {},
): ConnectionDump {
  const monitor = stats.monitor;
  const clock = options.clock ?? systemClock;
  return {
    user: target.user,
    host: target.host,
    port: target.port,
    state: monitor?.state,
    lastInboundAge: monitor === undefined ? undefined : clock.now() - monitor.lastInboundAt,
    unansweredProbes: monitor?.unansweredProbes ?? 0,
    lastRtt: monitor?.rtt?.last,
    probesSent: monitor?.probesSent ?? 0,
    heartbeatsSent: monitor?.heartbeatsSent ?? 0,
    channels: options.client === undefined ? undefined : openChannels(internalsOf(options.client)),
  };
}
