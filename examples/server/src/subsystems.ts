import type { ResolvedServerConfig } from "@tsalive/config";

/**
 * The `Subsystem NAME COMMAND` lines of the configuration, by name: what a subsystem request runs, through the
 * user's shell as sshd runs it (`SHELL -c COMMAND`). A name defined twice keeps its first command (sshd 9.2 refuses
 * to start then: `Subsystem 'NAME' already defined`).
 *
 * @example
 * ```ts
 * import { resolveServerConfig } from "@tsalive/config";
 * import { subsystemsOf } from "./subsystems.ts";
 * const config = resolveServerConfig({ config: { file: "sshd_config", text: "Subsystem sftp /usr/lib/openssh/sftp-server\n" } });
 * subsystemsOf(config).get("sftp"); // "/usr/lib/openssh/sftp-server"
 * ```
 */
export function subsystemsOf(config: ResolvedServerConfig): ReadonlyMap<string, string> {
  const subsystems = new Map<string, string>();
  for (const { args } of config.resolution.settings.get("subsystem")?.assignments ?? []) {
    const [name, ...command] = args;
    if (name !== undefined && command.length > 0 && !subsystems.has(name)) subsystems.set(name, command.join(" "));
  }
  return subsystems;
}
