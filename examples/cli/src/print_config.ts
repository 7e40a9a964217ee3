import { formatClientConfig, type ResolvedClientConfig } from "@tsalive/config";

/**
 * What `tsalive-ssh -G` prints: `ssh -G`'s output for the release asked for (`--openssh`), every line in
 * OpenSSH's order, from `@tsalive/config`'s printer; then, when set, tsalive's `heartbeat N` (seconds), after
 * OpenSSH's last line, so a tool that reads `ssh -G` output line by line sees exactly ssh's lines first. With
 * `--strict` the extension line is left out: the output is then exactly ssh's.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "@tsalive/config";
 * import { printConfig } from "./print_config.ts";
 * const resolved = resolveClientConfig({ host: "h", localUser: "me", home: "/home/me", configFile: { text: "Heartbeat 5\n" } });
 * printConfig(resolved, false).trimEnd().split("\n").at(-1); // "heartbeat 5"
 * ```
 */
export function printConfig(resolved: ResolvedClientConfig, strict: boolean): string {
  return formatClientConfig(resolved, { extensions: !strict });
}
