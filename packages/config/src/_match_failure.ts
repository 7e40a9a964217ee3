/**
 * A `Match` line OpenSSH refuses, thrown by both Match evaluators (ssh's and sshd's) with OpenSSH's words; each
 * reader turns it into the {@linkcode ConfigError} that names the file, the line, the keyword and the value.
 *
 * @example
 * ```ts
 * import { MatchFailure } from "./_match_failure.ts";
 * const failure = new MatchFailure("Missing Match criteria for User", true);
 * failure.badCondition; // true: the reader adds "FILE line N: Bad Match condition"
 * ```
 */
export class MatchFailure extends Error {
  override name: string = "MatchFailure";
  constructor(
    message: string,
    /** Whether the reader still has to add OpenSSH's last line, `FILE line N: Bad Match condition`. */
    readonly badCondition = false,
  ) {
    super(message);
  }
}
