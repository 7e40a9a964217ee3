/** sshd's log, on stderr: plain lines for what sshd logs at INFO, `debug1: ` lines with -d. */
export interface Log {
  info(message: string): void;
  debug(message: string): void;
  error(message: string): void;
}

/**
 * A logger writing sshd's words to a stream, one line each.
 *
 * @example
 * ```ts
 * import { createLog } from "./log.ts";
 * const log = createLog(process.stderr, 1);
 * log.info("Server listening on 127.0.0.1 port 2222.");
 * ```
 */
export function createLog(stream: { write(text: string): unknown }, debug: number): Log {
  return {
    info: (message) => stream.write(`${message}\n`),
    debug: (message) => {
      if (debug > 0) stream.write(`debug1: ${message}\n`);
    },
    error: (message) => stream.write(`${message}\n`),
  };
}
