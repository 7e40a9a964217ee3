/** ssh's log levels, in order. */
export const LOG_LEVELS = ["QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Logging as ssh does it on stderr: `error`/`info` lines as they are, debug lines prefixed `debugN: `. */
export interface Log {
  readonly level: LogLevel;
  error(message: string): void;
  info(message: string): void;
  verbose(message: string): void;
  debug(message: string, level?: 1 | 2 | 3): void;
}

/**
 * Reads a LogLevel value (`DEBUG` = `DEBUG1`), `undefined` when it is not one.
 *
 * @example
 * ```ts
 * import { parseLogLevel } from "./log.ts";
 * parseLogLevel("debug"); // "DEBUG1"
 * ```
 */
export function parseLogLevel(value: string): LogLevel | undefined {
  const upper = value.toUpperCase();
  if (upper === "DEBUG") return "DEBUG1";
  return (LOG_LEVELS as readonly string[]).includes(upper) ? (upper as LogLevel) : undefined;
}

/**
 * A logger at `level` (each `-v` raises it from the configured level to DEBUG1, DEBUG2, DEBUG3, as in ssh).
 *
 * @example
 * ```ts
 * import { createLog } from "./log.ts";
 * const log = createLog(process.stderr, "INFO");
 * log.debug("not shown at INFO");
 * ```
 */
export function createLog(stream: { write(text: string): unknown }, level: LogLevel): Log {
  const rank = LOG_LEVELS.indexOf(level);
  const at = (l: LogLevel) => rank >= LOG_LEVELS.indexOf(l);
  // A raw-mode terminal needs \r\n to start lines at the left edge.
  const eol = () => ((process.stdin as { isRaw?: boolean }).isRaw ? "\r\n" : "\n");
  return {
    level,
    error: (m) => at("ERROR") && stream.write(`${m}${eol()}`),
    info: (m) => at("INFO") && stream.write(`${m}${eol()}`),
    verbose: (m) => at("VERBOSE") && stream.write(`${m}${eol()}`),
    debug: (m, l = 1) => at(`DEBUG${l}`) && stream.write(`debug${l}: ${m}${eol()}`),
  };
}

/** The level after `-v` flags: each raises the level by one from at least VERBOSE, as ssh does. */
export function verboseLevel(configured: LogLevel, verbose: number): LogLevel {
  if (verbose === 0) return configured;
  const rank = Math.min(LOG_LEVELS.indexOf("DEBUG1") + verbose - 1, LOG_LEVELS.length - 1);
  return LOG_LEVELS[Math.max(rank, LOG_LEVELS.indexOf(configured))] as LogLevel;
}
