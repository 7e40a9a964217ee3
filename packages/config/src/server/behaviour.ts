import { DEFAULT_OPENSSH_VERSION, type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";

/**
 * What an OpenSSH release's sshd does at run time with the liveness settings, where releases differ, and what
 * tsalive does instead where the old behaviour hurts users. For a mapping (`serverTimeouts`, an adapter) that
 * wants to follow the release a configuration was resolved for (`resolution.openssh`).
 */
export interface ServerBehaviour {
  /**
   * When UnusedConnectionTimeout's clock starts once no channel is open. `"last-channel-close"` (10.3 on): from
   * the close of the last channel. `"last-wakeup"` (before 10.3): sshd re-armed the deadline at each wake-up while
   * a channel was open, so after a long-idle channel closed (e.g. by ChannelTimeout) it could fire at once
   * (bz3827). `@tsalive/ssh2-server` counts from the last channel's close on every release.
   */
  readonly unusedConnectionTimeoutFrom: "last-channel-close" | "last-wakeup";
  /**
   * Whether sshd applies ChannelTimeout and RekeyLimit set inside a `Match` block (10.5 on). Before 10.5,
   * `sshd -T` printed the Match block's value but the running sshd ignored it. tsalive applies it on every
   * release (`sshdRuntime` is what OpenSSH itself did).
   */
  readonly matchChannelTimeout: { readonly sshdRuntime: boolean; readonly tsalive: true };
  /**
   * How often sshd sends a ClientAlive probe with ClientAliveInterval I: every I (9.5 on, and before 9.2), every
   * 2·I on 9.2–9.4 (a `>` that became `>=`). tsalive probes every I on every release.
   */
  readonly clientAlivePeriod: { readonly sshd: "interval" | "twice-interval"; readonly tsalive: "interval" };
  /** MaxStartups and PerSourceNetBlockSize: the first value wins (10.1 on) or the last (before). */
  readonly maxStartupsWinner: "first" | "last";
  /** PerSourcePenalties exist and are on by default (9.8 on). */
  readonly perSourcePenalties: boolean;
}

/**
 * The run-time behaviour of `version`'s sshd for the liveness settings, and tsalive's choice where it differs.
 *
 * @example
 * ```ts
 * import { serverBehaviour } from "@tsalive/config";
 * serverBehaviour("9.2").unusedConnectionTimeoutFrom; // "last-wakeup"
 * serverBehaviour("10.6").unusedConnectionTimeoutFrom; // "last-channel-close"
 * serverBehaviour("10.0").matchChannelTimeout; // { sshdRuntime: false, tsalive: true }
 * serverBehaviour("9.2").clientAlivePeriod; // { sshd: "twice-interval", tsalive: "interval" }
 * ```
 */
export function serverBehaviour(version: OpenSshVersion = DEFAULT_OPENSSH_VERSION): ServerBehaviour {
  const drifts = !opensshAtLeast(version, "9.5");
  return {
    unusedConnectionTimeoutFrom: opensshAtLeast(version, "10.3") ? "last-channel-close" : "last-wakeup",
    matchChannelTimeout: { sshdRuntime: opensshAtLeast(version, "10.5"), tsalive: true },
    clientAlivePeriod: { sshd: drifts ? "twice-interval" : "interval", tsalive: "interval" },
    maxStartupsWinner: opensshAtLeast(version, "10.1") ? "first" : "last",
    perSourcePenalties: opensshAtLeast(version, "9.8"),
  };
}
