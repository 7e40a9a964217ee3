import { MAX_TIMER_DELAY } from "./clock.ts";

/**
 * The shortest interval or timeout an option may have, in milliseconds, unless `allowFastIntervals` is set.
 *
 * Options are in milliseconds while ssh_config counts seconds: `{ interval: 1 }` meant as "1 second" would probe a
 * thousand times a second. Nothing real needs a liveness timer under 100 ms, so shorter ones are refused.
 */
export const MIN_INTERVAL = 100;

/**
 * How a value received in an option is shown in an error message: strings quoted, objects as JSON (shortened),
 * everything else as `String()` shows it.
 *
 * @example
 * ```ts
 * import { formatValue } from "@tsalive/core";
 * formatValue("1s"); // "\"1s\""
 * formatValue({ interval: 1 }); // "{\"interval\":1}"
 * formatValue(Number.NaN); // "NaN"
 * ```
 */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value !== "object" || value === null) return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return Object.prototype.toString.call(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Checks one millisecond option: a number greater than 0, at least {@linkcode MIN_INTERVAL} unless
 * `allowFastIntervals`, and at most {@linkcode MAX_TIMER_DELAY} (longer delays turn into 1 ms in runtimes). Throws a
 * `RangeError` that starts with `prefix`, names the option and the value received, and says that options are in
 * milliseconds when the value looks like seconds. For adapters built on core, so that every millisecond option of
 * tsalive obeys one rule.
 *
 * @example
 * ```ts
 * import { checkDuration } from "@tsalive/core";
 * checkDuration("Cannot attach", "connectTimeout", 10_000); // 10000
 * checkDuration("Cannot attach", "connectTimeout", 10); // throws RangeError: … received 10 …
 * checkDuration("Cannot attach", "connectTimeout", 10, true); // 10
 * ```
 */
export function checkDuration(prefix: string, name: string, value: unknown, allowFastIntervals = false): number {
  if (typeof value !== "number" || !(value > 0 && value <= MAX_TIMER_DELAY)) {
    throw new RangeError(
      `${prefix}: "${name}" must be a number of milliseconds greater than 0 and at most ${MAX_TIMER_DELAY}, received ${formatValue(value)}`,
    );
  }
  if (value < MIN_INTERVAL && !allowFastIntervals) {
    throw new RangeError(
      `${prefix}: "${name}" must be at least ${MIN_INTERVAL} milliseconds, received ${formatValue(value)}: options are in milliseconds (15 s is 15000); set "allowFastIntervals: true" for faster timers in tests`,
    );
  }
  return value;
}

/**
 * Where a misspelt or foreign option name should go: OpenSSH keywords, ssh2's options and case slips, by lowercased
 * name. A hint is given only when its target is an option of the object being checked.
 */
const HINTS: Readonly<Record<string, string>> = {
  serveraliveinterval: "probe.interval",
  clientaliveinterval: "probe.interval",
  keepaliveinterval: "probe.interval",
  keepalive: "probe.interval",
  interval: "probe.interval",
  serveralivecountmax: "probe.countMax",
  clientalivecountmax: "probe.countMax",
  keepalivecountmax: "probe.countMax",
  countmax: "probe.countMax",
  replytimeout: "probe.replyTimeout",
  zerocountmax: "probe.zeroCountMax",
  heartbeatinterval: "heartbeat.interval",
  watchdogtimeout: "watchdog.timeout",
  idletimeout: "idle.timeout",
  tcpkeepalive: "tcpKeepAlive",
  connecttimeout: "connectTimeout",
  readytimeout: "connectTimeout",
  unusedconnectiontimeout: "unusedConnectionTimeout",
  channeltimeout: "channelTimeout",
  killgrace: "killGrace",
  clock: "time",
  timers: "time",
};

/** Inside an object `parent` (such as `probe`), a foreign name for one of its own keys. */
const NESTED_HINTS: Readonly<Record<string, string>> = {
  serveraliveinterval: "interval",
  clientaliveinterval: "interval",
  keepaliveinterval: "interval",
  serveralivecountmax: "countMax",
  clientalivecountmax: "countMax",
  keepalivecountmax: "countMax",
  watchdogtimeout: "timeout",
  idletimeout: "timeout",
  heartbeat: "interval",
};

const MILLISECONDS = /interval|timeout|grace/i;

/**
 * Throws a `RangeError` for the first own key of `value` that is not in `known` (nor in `accepted`, the keys taken
 * but no longer advertised), listing the known ones; OpenSSH and ssh2 spellings get a hint naming the right option.
 * `path` is the name of the object checked (`""` for the top level), `top` the top-level keys the hints may point
 * to.
 *
 * @example
 * ```ts
 * import { checkKeys } from "@tsalive/core";
 * checkKeys("Cannot attach", "", { probe: {} }, ["probe", "heartbeat"]); // fine
 * checkKeys("Cannot attach", "", { serverAliveInterval: 1 }, ["probe", "heartbeat"]);
 * // throws RangeError: Cannot attach: "serverAliveInterval" is not an option, received 1 (did you mean
 * // "probe.interval", in milliseconds?); the options are "probe", "heartbeat"
 * ```
 */
export function checkKeys(
  prefix: string,
  path: string,
  value: object,
  known: readonly string[],
  accepted: readonly string[] = [],
  top: readonly string[] = known,
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key) || accepted.includes(key)) continue;
    const name = path === "" ? key : `${path}.${key}`;
    const lower = key.toLowerCase();
    let target: string | undefined;
    if (path === "") {
      target = known.find((each) => each.toLowerCase() === lower) ?? HINTS[lower];
      if (target !== undefined && !top.includes(target.split(".")[0] as string)) target = undefined;
    } else {
      const own = known.find((each) => each.toLowerCase() === lower) ?? NESTED_HINTS[lower];
      if (own !== undefined && known.includes(own)) target = `${path}.${own}`;
    }
    const received = (value as Record<string, unknown>)[key];
    const hint =
      target === undefined ? "" : ` (did you mean "${target}"${MILLISECONDS.test(target) ? ", in milliseconds" : ""}?)`;
    const list = known.map((each) => `"${each}"`).join(", ");
    throw new RangeError(
      `${prefix}: "${name}" is not an option, received ${formatValue(received)}${hint}; the options${path === "" ? "" : ` of "${path}"`} are ${list}`,
    );
  }
}
