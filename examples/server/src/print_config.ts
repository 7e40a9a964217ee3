import { formatServerConfig as formatSshdT, type ResolvedServerConfig } from "@tsalive/config";

/**
 * The effective configuration exactly as the chosen release's `sshd -T` prints it (every line, in sshd's order,
 * with its defaults; CamelCase keywords from 10.6), through `@tsalive/config`'s printer, for the ports tsalive-sshd
 * listens on. tsalive's `Heartbeat` and `WatchdogTimeout` come last when set (OpenSSH's sshd has no such lines).
 *
 * @example
 * ```ts no-run
 * process.stdout.write(formatServerConfig(loadServerConfig(source), [22], process.cwd()));
 * ```
 */
export function formatServerConfig(config: ResolvedServerConfig, ports: readonly number[], cwd = "/"): string {
  return formatSshdT(config, { ports, cwd });
}

/**
 * Every address to listen on: each ListenAddress (with its own port, else each port), or the wildcard addresses
 * of both families when there is none, as sshd does.
 */
export function listenAddresses(
  config: ResolvedServerConfig,
  ports: readonly number[],
): { host: string; port: number }[] {
  const listen = config.values.listenAddress;
  if (listen.length === 0)
    return ports.flatMap((port) => [
      { host: "::", port },
      { host: "0.0.0.0", port },
    ]);
  return listen.flatMap(({ host, port }) =>
    port === undefined ? ports.map((p) => ({ host, port: p })) : [{ host, port }],
  );
}
