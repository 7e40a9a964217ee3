/**
 * The runtime-agnostic SSH liveness engine: ServerAlive/ClientAlive probes, Heartbeat, Watchdog and idle timeout,
 * driven by an injectable clock.
 *
 * @module
 */
export { checkDuration, checkKeys, formatValue, MIN_INTERVAL } from "./check.ts";
export {
  type Clock,
  MAX_TIMER_DELAY,
  systemClock,
  systemTime,
  systemTimers,
  type TimerHandle,
  type Timers,
} from "./clock.ts";
export { Emitter, type Listener } from "./emitter.ts";
export { isTsaliveError, TsaliveError } from "./errors.ts";
export { type LivenessCode, LivenessError } from "./liveness_error.ts";
export {
  LivenessMonitor,
  type LivenessTransport,
  type MonitorEvents,
  type MonitorState,
} from "./monitor.ts";
export {
  type HeartbeatOptions,
  type IdleOptions,
  type MonitorOptions,
  type ProbeOptions,
  type ResolveContext,
  type ResolvedOptions,
  type ResolvedProbe,
  resolveOptions,
  type WatchdogOptions,
} from "./options.ts";
export { createSharedTimers, defaultTimers, SharedTimers, type SharedTimersOptions } from "./shared_timers.ts";
export type { MonitorStats, RttStats } from "./stats.ts";
