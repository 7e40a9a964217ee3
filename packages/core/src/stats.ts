import type { MonitorState } from "./monitor.ts";

/** Round-trip times of answered probes, in milliseconds. */
export interface RttStats {
  readonly last: number;
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  /** How many replies these figures summarise. */
  readonly samples: number;
}

/** A snapshot of a {@linkcode LivenessMonitor}, from `monitor.stats()`. */
export interface MonitorStats {
  readonly state: MonitorState;
  /** Probes sent since the monitor was created. */
  readonly probesSent: number;
  /** Replies to probes received since the monitor was created. */
  readonly replies: number;
  /** Probes sent since the last inbound packet: the count compared with `countMax`. */
  readonly unansweredProbes: number;
  readonly heartbeatsSent: number;
  /** `undefined` until a reply has been matched to its probe. */
  readonly rtt: RttStats | undefined;
  /** Clock reading of the last packet received (or of `start()`). */
  readonly lastInboundAt: number;
  /** Clock reading of the last packet sent (or of `start()`). */
  readonly lastOutboundAt: number;
}
