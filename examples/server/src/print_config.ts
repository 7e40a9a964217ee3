import { isIP } from "node:net";
import { type ResolvedServerConfig, serverWinner } from "@tsalive/config";

/**
 * The effective configuration as `sshd -T` prints it (lower-case keyword, a space, the value; one per line), for
 * every keyword `@tsalive/config` types. The extension keywords come last; OpenSSH's sshd has no such lines.
 *
 * @example
 * ```ts no-run
 * process.stdout.write(formatServerConfig(loadServerConfig(source), [22]));
 * ```
 */
export function formatServerConfig(config: ResolvedServerConfig, ports: readonly number[]): string {
  const v = config.values;
  const channelTimeout = serverWinner(config.resolution, "channeltimeout")?.args;
  const lines = [
    ...ports.map((port) => `port ${port}`),
    ...listenAddresses(config, ports).map(
      ({ host, port }) => `listenaddress ${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    ),
    `logingracetime ${v.loginGraceTime}`,
    `clientaliveinterval ${v.clientAliveInterval}`,
    `clientalivecountmax ${v.clientAliveCountMax}`,
    `unusedconnectiontimeout ${v.unusedConnectionTimeout === 0 ? "none" : v.unusedConnectionTimeout}`,
    `pubkeyauthentication ${v.pubkeyAuthentication ? "yes" : "no"}`,
    `passwordauthentication ${v.passwordAuthentication ? "yes" : "no"}`,
    `tcpkeepalive ${v.tcpKeepAlive ? "yes" : "no"}`,
    `authorizedkeysfile ${v.authorizedKeysFile.join(" ")}`,
    ...v.hostKey.map((key) => `hostkey ${key}`),
    ...(channelTimeout === undefined || channelTimeout[0] === "none"
      ? []
      : [`channeltimeout ${channelTimeout.join(" ")}`]),
    `heartbeat ${v.heartbeat}`,
    `watchdogtimeout ${v.watchdogTimeout}`,
  ];
  return `${lines.join("\n")}\n`;
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
