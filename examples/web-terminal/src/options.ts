import { systemTimers, type Timers } from "@tsalive/core";
import type { SshTarget } from "./target.ts";

/**
 * The browser leg's liveness, run by both ends: the page probes the server and the server probes the page, each
 * after `interval` ms of silence. No heartbeat is needed: a page that only receives still sends its acks.
 */
export interface BrowserLegOptions {
  /** A probe after this many ms with nothing received (default 5000). */
  readonly interval?: number;
  /** Probes unanswered before the leg is called dead, at (countMax + 1) · interval (default 2). */
  readonly countMax?: number;
}

/**
 * What {@linkcode startWebTerminal} takes. Every limit has a bound; each is checked at start with a `RangeError`.
 *
 * @example
 * ```ts no-run
 * // no-run: needs a target; see the demo.
 * import { startWebTerminal } from "./server.ts";
 * import { resolveTarget } from "./target.ts";
 * const terminal = await startWebTerminal({ target: resolveTarget({ destination: "web", hostKey: "SHA256:…" }) });
 * console.log(terminal.url);
 * ```
 */
export interface WebTerminalOptions {
  /** Where every session's SSH leg goes. */
  readonly target: SshTarget;
  /** Address to listen on (default `127.0.0.1`: only this machine). */
  readonly host?: string;
  /** Port to listen on (default 0: any free port). */
  readonly port?: number;
  /**
   * `Host` headers accepted besides the listening address, such as `term.example.com` behind a reverse proxy;
   * `http://` + each is an allowed origin too. Anything else is refused (DNS rebinding).
   */
  readonly hosts?: readonly string[];
  /**
   * Origins allowed to open the WebSocket, such as `https://term.example.com`. The page's own origin
   * (`http://HOST:PORT`, and `http://localhost:PORT` for a loopback host) is always allowed.
   */
  readonly origins?: readonly string[];
  /** How long a session outlives its page, ms (default 60 000). */
  readonly grace?: number;
  /** Sessions at once, with or without a page (default 8). */
  readonly maxSessions?: number;
  /** Output bytes kept for a page that reattaches (default 1 MiB). */
  readonly replayBytes?: number;
  /** Largest message accepted from a page, bytes (default 64 KiB). */
  readonly maxMessageBytes?: number;
  /** The browser leg's liveness. */
  readonly browser?: BrowserLegOptions;
  /** How long the page waits between reattach attempts, ms (default 2000). */
  readonly retry?: number;
  /** A page must say what it wants within this many ms of connecting (default 10 000). */
  readonly helloTimeout?: number;
  /** The grace period's and the hello's timers: core's `TestClock` in tests; the runtime's by default. */
  readonly timers?: Timers;
}

/** {@linkcode WebTerminalOptions} with every default filled in and every value checked. */
export interface ResolvedOptions {
  readonly target: SshTarget;
  readonly host: string;
  readonly port: number;
  readonly hosts: readonly string[];
  readonly origins: readonly string[];
  readonly grace: number;
  readonly maxSessions: number;
  readonly replayBytes: number;
  readonly maxMessageBytes: number;
  readonly browser: Required<BrowserLegOptions>;
  readonly retry: number;
  readonly helloTimeout: number;
  readonly timers: Timers;
}

const PREFIX = "Cannot start web terminal";

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${PREFIX}: "${name}" must be an integer from ${min} to ${max}, received ${String(value)}`);
  }
  return value;
}

const HOUR = 3_600_000;
const MIB = 1024 * 1024;

/**
 * Fills in the defaults and checks every value.
 *
 * @throws {RangeError} naming the option and the value received.
 */
export function resolveOptions(options: WebTerminalOptions): ResolvedOptions {
  const browser = options.browser ?? {};
  const origins = options.origins ?? [];
  const hosts = options.hosts ?? [];
  for (const host of hosts) {
    if (!/^[^/\s]+$/.test(host)) {
      throw new RangeError(`${PREFIX}: "hosts" must hold host names such as "term.example.com", received "${host}"`);
    }
  }
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new RangeError(
        `${PREFIX}: "origins" must hold origins such as "https://example.com", received "${origin}"`,
      );
    }
  }
  return {
    target: options.target,
    host: options.host ?? "127.0.0.1",
    port: integer("port", options.port, 0, 0, 65_535),
    hosts,
    origins,
    grace: integer("grace", options.grace, 60_000, 100, 24 * HOUR),
    maxSessions: integer("maxSessions", options.maxSessions, 8, 1, 1000),
    replayBytes: integer("replayBytes", options.replayBytes, MIB, 1024, 256 * MIB),
    maxMessageBytes: integer("maxMessageBytes", options.maxMessageBytes, 64 * 1024, 1024, 16 * MIB),
    browser: {
      interval: integer("browser.interval", browser.interval, 5000, 100, HOUR),
      countMax: integer("browser.countMax", browser.countMax, 2, 1, 100),
    },
    retry: integer("retry", options.retry, 2000, 100, HOUR),
    helloTimeout: integer("helloTimeout", options.helloTimeout, 10_000, 100, HOUR),
    timers: options.timers ?? systemTimers,
  };
}
