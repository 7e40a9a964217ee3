import { LivenessMonitor, type MonitorOptions, systemClock } from "@tsalive/core";
import { labelOfChannelType, matchPattern } from "./_pattern.ts";
import type { ChannelInfo } from "./channel_info.ts";

/** One open channel as the registry knows it. */
export interface ChannelRecord {
  /** Our channel id. */
  readonly local: number;
  /** The client's channel id. */
  readonly remote: number;
  /** The SSH channel type (`session`, `direct-tcpip`, …). */
  readonly type: string;
  /** The OpenSSH ChannelTimeout label (`session`, `session:shell`, `direct-tcpip`, …). */
  label: string;
  /** The ChannelTimeout monitor, when a pattern matches the label. */
  monitor: LivenessMonitor | undefined;
}

/** What the registry reports to its connection. */
export interface ChannelOwner {
  readonly channelTimeout: readonly (readonly [pattern: string, timeout: number])[];
  readonly unusedConnectionTimeout: number | undefined;
  /** The time source and `allowFastIntervals` of the connection's options, for every channel monitor. */
  readonly common: MonitorOptions;
  channelTimedOut(record: ChannelRecord): void;
  unused(): void;
}

/**
 * The connection's open channels, for UnusedConnectionTimeout and ChannelTimeout, both built on core's idle
 * timeout: a connection with no channel runs one idle monitor that nothing ever marks (so it expires after the
 * timeout), and each channel whose label matches a ChannelTimeout pattern runs one idle monitor marked by its data
 * in either direction. A monitor is a few hundred bytes with one entry in the shared timer heap and no per-packet
 * timer work, which is cheaper than a second timer scheme; channels no pattern matches cost nothing.
 */
export class ChannelRegistry {
  readonly #owner: ChannelOwner;
  readonly #byLocal = new Map<number, ChannelRecord>();
  readonly #byRemote = new Map<number, ChannelRecord>();
  #unused: LivenessMonitor | undefined;
  #closed = false;

  constructor(owner: ChannelOwner) {
    this.#owner = owner;
    this.#checkUnused();
  }

  /** Open channels. */
  get size(): number {
    return this.#byLocal.size;
  }

  /** Channels with a running ChannelTimeout monitor (for leak checks). */
  get monitored(): number {
    let count = 0;
    for (const record of this.#byLocal.values()) if (record.monitor !== undefined) count++;
    return count;
  }

  get(local: number): ChannelRecord | undefined {
    return this.#byLocal.get(local);
  }

  /** The open channels, with the idle time of those a ChannelTimeout monitor watches. */
  list(): ChannelInfo[] {
    const common = this.#owner.common;
    const now = (common.time ?? common.clock ?? systemClock).now();
    return Array.from(this.#byLocal.values(), ({ local, type, label, monitor }) => {
      const stats = monitor?.stats();
      const idleMs = stats && Math.max(0, now - Math.max(stats.lastInboundAt, stats.lastOutboundAt));
      return { id: local, type, label, idleMs };
    });
  }

  /** A channel of SSH channel type `type` opened, with our id `local` and the client's `remote`. */
  open(local: number, remote: number, type: string): void {
    if (this.#closed || this.#byLocal.has(local)) return;
    const record: ChannelRecord = { local, remote, type, label: labelOfChannelType(type), monitor: undefined };
    this.#byLocal.set(local, record);
    this.#byRemote.set(remote, record);
    this.#arm(record);
    this.#checkUnused();
  }

  relabel(local: number, label: string): void {
    const record = this.#byLocal.get(local);
    if (record === undefined || record.label === label) return;
    record.label = label;
    record.monitor?.stop();
    record.monitor = undefined;
    this.#arm(record);
  }

  close(local: number): void {
    const record = this.#byLocal.get(local);
    if (record === undefined) return;
    record.monitor?.stop();
    this.#byLocal.delete(local);
    if (this.#byRemote.get(record.remote) === record) this.#byRemote.delete(record.remote);
    this.#checkUnused();
  }

  /** Data arrived on our channel `local`. */
  inbound(local: number): void {
    this.#byLocal.get(local)?.monitor?.markInbound();
  }

  /** We sent data to the client's channel `remote`. */
  outbound(remote: number): void {
    this.#byRemote.get(remote)?.monitor?.markOutbound();
  }

  /** Stops every monitor. Idempotent. */
  dispose(): void {
    this.#closed = true;
    this.#unused?.stop();
    this.#unused = undefined;
    for (const record of this.#byLocal.values()) record.monitor?.stop();
    this.#byLocal.clear();
    this.#byRemote.clear();
  }

  #arm(record: ChannelRecord): void {
    const timeout = this.#timeoutFor(record.label);
    if (timeout === undefined || timeout === 0) return;
    const monitor = new LivenessMonitor({}, this.#monitorOptions(timeout));
    record.monitor = monitor;
    monitor.on("expire", () => {
      if (record.monitor === monitor) this.#owner.channelTimedOut(record);
    });
    monitor.start();
  }

  #timeoutFor(label: string): number | undefined {
    for (const [pattern, timeout] of this.#owner.channelTimeout) if (matchPattern(label, pattern)) return timeout;
    return undefined;
  }

  #checkUnused(): void {
    const timeout = this.#owner.unusedConnectionTimeout;
    if (this.#closed || timeout === undefined) return;
    if (this.#byLocal.size > 0) {
      this.#unused?.stop();
      this.#unused = undefined;
      return;
    }
    if (this.#unused !== undefined) return;
    const monitor = new LivenessMonitor({}, this.#monitorOptions(timeout));
    this.#unused = monitor;
    monitor.on("expire", () => {
      if (this.#unused === monitor) this.#owner.unused();
    });
    monitor.start();
  }

  #monitorOptions(timeout: number): MonitorOptions {
    return { idle: { timeout }, ...this.#owner.common };
  }
}
