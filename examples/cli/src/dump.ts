import type { ChannelDump, ConnectionDump } from "@tsalive/ssh2-client";

/** Which hop of a ProxyJump chain a dump line is about: the Host as typed, and its place (1 is the first jump host). */
export interface DumpHop {
  readonly name: string;
  readonly number: number;
  readonly of: number;
}

/**
 * The SIGUSR1 line for one connection (`@tsalive/ssh2-client`'s `dumpConnection` or one hop of `Chain.dump()`),
 * in the spirit of OpenSSH 10.1's SIGINFO dump; through a chain, `hop` prefixes it with the hop's name and place.
 *
 * @example
 * ```ts
 * import { formatClientDump } from "./dump.ts";
 * formatClientDump(
 *   {
 *     user: "root", host: "10.0.0.5", port: 22, state: "running", lastInboundAge: 400, unansweredProbes: 0,
 *     lastRtt: 0.3, probesSent: 2, heartbeatsSent: 0, channels: [{ id: 0, type: "session", subtype: "exec" }],
 *   },
 *   { name: "db", number: 2, of: 2 },
 * );
 * // "hop 2/2 db: connection to root@10.0.0.5 port 22: running, last inbound 0.4 s ago, 0 unanswered probes, last rtt 0.3 ms, 2 probes sent, 0 heartbeats sent, channels 0 session:exec"
 * ```
 */
export function formatClientDump(dump: ConnectionDump, hop?: DumpHop): string {
  const parts = [
    dump.state ?? "not authenticated",
    ...(dump.lastInboundAge === undefined ? [] : [`last inbound ${(dump.lastInboundAge / 1000).toFixed(1)} s ago`]),
    `${dump.unansweredProbes} unanswered probe${dump.unansweredProbes === 1 ? "" : "s"}`,
    dump.lastRtt === undefined ? "no rtt yet" : `last rtt ${dump.lastRtt.toFixed(1)} ms`,
    `${dump.probesSent} probe${dump.probesSent === 1 ? "" : "s"} sent`,
    `${dump.heartbeatsSent} heartbeat${dump.heartbeatsSent === 1 ? "" : "s"} sent`,
    ...(dump.channels === undefined ? [] : [formatChannels(dump.channels)]),
  ];
  const prefix = hop === undefined ? "" : `hop ${hop.number}/${hop.of} ${hop.name}: `;
  return `${prefix}connection to ${dump.user ?? "?"}@${dump.host} port ${dump.port}: ${parts.join(", ")}`;
}

/** `channels 0 session:exec, 1 direct-tcpip` (tsalive-sshd's dump writes its channels the same way), or `no channels`. */
function formatChannels(channels: readonly ChannelDump[]): string {
  if (channels.length === 0) return "no channels";
  const each = channels.map(({ id, type, subtype }) => `${id} ${type}${subtype === undefined ? "" : `:${subtype}`}`);
  return `channel${channels.length === 1 ? "" : "s"} ${each.join(", ")}`;
}
