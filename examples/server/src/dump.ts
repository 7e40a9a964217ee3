import { readFileSync } from "node:fs";
import type { ConnectionDump } from "@tsalive/metrics";
import { type ChannelInfo, formatPeer } from "@tsalive/ssh2-server";

/** A process's command line from /proc (arguments joined by spaces); `undefined` once it is gone. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return undefined;
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** `0 session:shell idle 1.2 s`: the id, sshd's ChannelTimeout label (and the type when the label hides it). */
function formatChannel({ id, type, label, idleMs }: ChannelInfo): string {
  const named = label === type || label.startsWith(`${type}:`) ? label : `${label} (${type})`;
  return `${id} ${named}${idleMs === undefined ? "" : ` idle ${seconds(idleMs)}`}`;
}

function formatChannels(channels: readonly ChannelInfo[]): string {
  if (channels.length === 0) return "no channels";
  return `channel${channels.length === 1 ? "" : "s"} ${channels.map(formatChannel).join(", ")}`;
}

/**
 * The SIGUSR1 line for one connection, in the spirit of OpenSSH 10.1's SIGINFO dump: who, how long ago the client
 * was last heard, the probes it left unanswered, the last RTT, the open channels (id, ChannelTimeout label, idle
 * time where a ChannelTimeout pattern watches it; left out when channels are not tracked) and the session processes.
 *
 * @example
 * ```ts
 * import { formatDump } from "./dump.ts";
 * formatDump({
 *   user: "root", addr: "127.0.0.1", port: 40000, authenticated: true, age: 12_000, state: "running",
 *   lastInboundAge: 400, unansweredProbes: 0, lastRtt: 0.3, processes: [],
 *   channels: [{ id: 0, type: "session", label: "session:shell", idleMs: 1200 }],
 * });
 * // "connection user root 127.0.0.1 port 40000: up 12.0 s, running, last inbound 0.4 s ago, 0 unanswered probes, last rtt 0.3 ms, channel 0 session:shell idle 1.2 s, no processes"
 * ```
 */
export function formatDump(dump: ConnectionDump, command: (pid: number) => string | undefined = commandOf): string {
  const parts = [
    ...(dump.age === undefined ? [] : [`up ${seconds(dump.age)}`]),
    dump.state ?? (dump.authenticated ? "not monitored" : "not authenticated"),
    ...(dump.lastInboundAge === undefined ? [] : [`last inbound ${seconds(dump.lastInboundAge)} ago`]),
    `${dump.unansweredProbes} unanswered probe${dump.unansweredProbes === 1 ? "" : "s"}`,
    dump.lastRtt === undefined ? "no rtt yet" : `last rtt ${dump.lastRtt.toFixed(1)} ms`,
    ...(dump.channels === undefined ? [] : [formatChannels(dump.channels)]),
    dump.processes.length === 0
      ? "no processes"
      : `processes ${dump.processes.map((pid) => `${pid} (${command(pid) ?? "gone"})`).join(", ")}`,
  ];
  return `connection ${formatPeer(dump)}: ${parts.join(", ")}`;
}
