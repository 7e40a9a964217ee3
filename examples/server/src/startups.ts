import type { MaxStartups } from "./policy.ts";

/**
 * sshd.c `should_drop_connection`: with `startups` unauthenticated connections already open, whether a new one
 * is dropped. Below `begin` never, from `full` always, in between with a probability rising linearly from
 * `rate`% (random early drop); `random` returns an integer in [0, 100) like arc4random_uniform(100).
 *
 * @example
 * ```ts
 * import { shouldDrop } from "./startups.ts";
 * shouldDrop(3, { begin: 10, rate: 30, full: 100 }, () => 0); // false
 * shouldDrop(100, { begin: 10, rate: 30, full: 100 }, () => 99); // true
 * shouldDrop(10, { begin: 10, rate: 30, full: 100 }, () => 29); // true (p = 30)
 * ```
 */
export function shouldDrop(startups: number, spec: MaxStartups, random: () => number): boolean {
  if (startups < spec.begin) return false;
  if (startups >= spec.full) return true;
  if (spec.rate === 100) return true;
  let p = 100 - spec.rate;
  p *= startups - spec.begin;
  p = Math.trunc(p / (spec.full - spec.begin));
  p += spec.rate;
  return random() < p;
}

/** What the throttle logs, in sshd's words. */
export interface StartupsLog {
  info(message: string): void;
  error(message: string): void;
}

/**
 * sshd's MaxStartups throttle: counts connections from TCP accept until they authenticate (or close), drops new
 * ones past the limit with `Exceeded MaxStartups` written to the client, and logs as sshd's `drop_connection`
 * does (`beginning MaxStartups throttling`, `drop connection #N from [A]:P on [L]:Q past MaxStartups`, and
 * `exited MaxStartups throttling after …` once the count falls below begin - 1).
 */
export class StartupsThrottle {
  #startups = 0;
  #lastDrop = 0;
  #firstDrop = 0;
  #dropped = 0;

  constructor(
    public spec: MaxStartups,
    readonly log: StartupsLog,
    readonly random: () => number = () => Math.floor(Math.random() * 100),
    readonly now: () => number = () => performance.now() / 1000,
  ) {}

  /** Unauthenticated connections now counted. */
  get startups(): number {
    return this.#startups;
  }

  /**
   * Decides on a new connection: `undefined` to take it (then call the returned release once it authenticates
   * or closes), or the line to write before closing it.
   */
  admit(remote: { addr: string; port: number }, local: { addr: string; port: number }): (() => void) | undefined {
    if (!shouldDrop(this.#startups, this.spec, this.random)) {
      if (this.#lastDrop !== 0 && this.#startups < this.spec.begin - 1) {
        const seconds = Math.round(this.now() - this.#firstDrop);
        this.log.info(
          `exited MaxStartups throttling after ${formatTimeframe(seconds)}, ${this.#dropped} connections dropped`,
        );
        this.#lastDrop = 0;
      }
      this.#startups++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.#startups--;
      };
    }
    const now = this.now();
    if (this.#lastDrop === 0) {
      this.log.error("beginning MaxStartups throttling");
      this.#firstDrop = now;
      this.#dropped = 0;
    } else if (this.#lastDrop + 300 < now) {
      this.log.error(
        `in MaxStartups throttling for ${formatTimeframe(Math.round(now - this.#firstDrop))}, ${this.#dropped + 1} connections dropped`,
      );
    }
    this.#lastDrop = now || 1;
    this.#dropped++;
    this.log.info(
      `drop connection #${this.#startups} from [${remote.addr}]:${remote.port} on [${local.addr}]:${local.port} past MaxStartups`,
    );
    return undefined;
  }
}

/** misc.c fmt_timeframe: `HH:MM:SS` under a day, `DdHHhMMm` under a week, `WwDdHHh` beyond. */
export function formatTimeframe(seconds: number): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const sec = seconds % 60;
  const min = Math.floor(seconds / 60) % 60;
  const hrs = Math.floor(seconds / 3600) % 24;
  const days = Math.floor(seconds / 86400) % 7;
  const weeks = Math.floor(seconds / 604800);
  if (seconds < 86400) return `${p(hrs)}:${p(min)}:${p(sec)}`;
  if (seconds < 604800) return `${days}d${p(hrs)}h${p(min)}m`;
  return `${p(weeks)}w${days}d${p(hrs)}h`;
}
