/**
 * A monitor's RTT figures and probe send times, in one array of doubles: an array of numbers keeps them unboxed,
 * where number fields would each take a 16-byte box. It holds the figures, the newest probe's send time and, only
 * while more than one probe awaits its reply, the send times of the last {@linkcode RTT_RING} probes by probe number
 * modulo RTT_RING. An idle connection whose probes are answered pays 96 bytes for it, not a 16-slot ring. Until the
 * first reply or a second probe it is only the first probe's send time, a number: a round of probes over silent
 * sessions allocates no log.
 */
import type { RttStats } from "./stats.ts";

/** Replies are matched to the send time of their probe while fewer than this many newer probes went out. */
export const RTT_RING = 16;

export type RttLog = [
  last: number,
  min: number,
  max: number,
  sum: number,
  samples: number,
  newest: number,
  ...ring: number[],
];
const LAST = 0;
const MIN = 1;
const MAX = 2;
const SUM = 3;
const SAMPLES = 4;
const NEWEST = 5;
/** Where the ring starts, when there is one. */
const RING = 6;

/**
 * Notes that probe number `index` (counted from 1) went out at `at`, after `replies` replies; returns the log to
 * keep. While no earlier probe awaits a reply the newest send time is all a reply can be matched to. The ring is
 * made when a second probe goes out unanswered: probes awaiting grow by one per probe, so that happens when two
 * await and the probe before is the only earlier one. It is dropped at the next probe sent with none awaiting.
 */
export function noteSent(
  log: RttLog | number | undefined,
  index: number,
  replies: number,
  at: number,
): RttLog | number {
  if (log === undefined || (typeof log === "number" && index - replies <= 1)) return at;
  if (typeof log === "number") log = logOf(log);
  if (index - replies > 1) {
    if (log.length === RING) {
      for (let slot = 0; slot < RTT_RING; slot++) log.push(0);
      log[RING + ((index - 1) % RTT_RING)] = log[NEWEST];
    }
    log[RING + (index % RTT_RING)] = at;
  } else if (log.length > RING) {
    log = log.slice(0, RING) as RttLog;
  }
  log[NEWEST] = at;
  return log;
}

/** The log to record a reply in: made from the first probe's send time when it is still only that. */
export function logOf(log: RttLog | number): RttLog {
  return typeof log === "number" ? [0, Number.POSITIVE_INFINITY, 0, 0, 0, log] : log;
}

/**
 * The round trip of reply number `index` received at `at`, when its probe is one of the last RTT_RING of the
 * `probesSent`, recorded in the figures; `undefined` (and nothing recorded) otherwise.
 */
export function noteReply(log: RttLog | undefined, index: number, probesSent: number, at: number): number | undefined {
  if (log === undefined || index > probesSent || probesSent - index >= RTT_RING) return undefined;
  // Without a ring only the newest probe awaits a reply (see noteSent).
  const sent = index === probesSent ? log[NEWEST] : log[RING + (index % RTT_RING)];
  const rtt = at - (sent ?? at);
  log[LAST] = rtt;
  if (rtt < log[MIN]) log[MIN] = rtt;
  if (rtt > log[MAX]) log[MAX] = rtt;
  log[SUM] += rtt;
  log[SAMPLES]++;
  return rtt;
}

/** When the newest probe went out; 0 before the first. */
export function newestSent(log: RttLog | number | undefined): number {
  return typeof log === "number" ? log : (log?.[NEWEST] ?? 0);
}

/** The figures for `stats()`; `undefined` until a reply was matched. */
export function rttStats(log: RttLog | number | undefined): RttStats | undefined {
  if (log === undefined || typeof log === "number" || log[SAMPLES] === 0) return undefined;
  return { last: log[LAST], min: log[MIN], avg: log[SUM] / log[SAMPLES], max: log[MAX], samples: log[SAMPLES] };
}
