import { displayName } from "../errors.ts";
import type { ResolvedServerConfig } from "./config.ts";
import { TSALIVE_CONFIG_FILE } from "./resolve.ts";

/**
 * The one message tsalive's tools print (with `-v`/`-d`) when sshd_config holds tsalive's extension keywords:
 * OpenSSH's sshd would refuse that file, and how to share it; `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { extensionNotice, resolveServerConfig } from "@tsalive/config";
 * const resolved = resolveServerConfig({ config: { file: "/etc/ssh/sshd_config", text: "WatchdogTimeout 15\n" } });
 * extensionNotice(resolved);
 * // /etc/ssh/sshd_config line 1: WatchdogTimeout is a tsalive extension: OpenSSH's sshd rejects this file
 * // ("Bad configuration option: WatchdogTimeout"). To share the file with OpenSSH, move tsalive's keywords to
 * // /etc/ssh/tsalive_config, which only tsalive reads.
 * ```
 */
export function extensionNotice(resolved: ResolvedServerConfig): string | undefined {
  const notes = resolved.resolution.extensionNotes;
  const first = notes[0];
  if (first === undefined) return undefined;
  const more = notes.length - 1;
  return (
    `${displayName(first.file)} line ${first.line}: ${first.keyword} is a tsalive extension: OpenSSH's sshd rejects ` +
    `this file ("Bad configuration option: ${first.keyword}")${more > 0 ? `, and ${more} more such line${more > 1 ? "s" : ""}` : ""}. ` +
    `To share the file with OpenSSH, move tsalive's keywords to ${TSALIVE_CONFIG_FILE}, which only tsalive reads.`
  );
}
