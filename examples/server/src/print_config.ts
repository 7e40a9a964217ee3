import { isIP } from "node:net";
import type { SshdSettings } from "./sshd_config.ts";

/**
 * The effective configuration as `sshd -T` prints it (lower-case keyword, a space, the value; one per line), for
 * every keyword tsalive-sshd types. The extension keywords come last; OpenSSH's sshd has no such lines.
 *
 * @example
 * ```ts
 * import { defaultSettings } from "./sshd_config.ts";
 * import { formatSshdSettings } from "./print_config.ts";
 * formatSshdSettings({ ...defaultSettings(), port: [22] }).includes("clientalivecountmax 3"); // true
 * ```
 */
export function formatSshdSettings(s: SshdSettings): string {
  const lines = [
    ...s.port.map((port) => `port ${port}`),
    ...listenAddresses(s).map(({ host, port }) => `listenaddress ${isIP(host) === 6 ? `[${host}]` : host}:${port}`),
    `logingracetime ${s.loginGraceTime}`,
    `clientaliveinterval ${s.clientAliveInterval}`,
    `clientalivecountmax ${s.clientAliveCountMax}`,
    `unusedconnectiontimeout ${s.unusedConnectionTimeout ?? "none"}`,
    `pubkeyauthentication ${s.pubkeyAuthentication ? "yes" : "no"}`,
    `passwordauthentication ${s.passwordAuthentication ? "yes" : "no"}`,
    `tcpkeepalive ${s.tcpKeepAlive ? "yes" : "no"}`,
    `authorizedkeysfile ${s.authorizedKeysFile.length === 0 ? "none" : s.authorizedKeysFile.join(" ")}`,
    ...s.hostKey.map((key) => `hostkey ${key}`),
    ...(s.channelTimeout === undefined ? [] : [`channeltimeout ${s.channelTimeout.join(" ")}`]),
    `heartbeat ${s.heartbeat}`,
    `watchdogtimeout ${s.watchdogTimeout}`,
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Every address to listen on: each ListenAddress (with its own `:port` or `[v6]:port`, else each Port), or the
 * wildcard addresses of both families when there is none, as sshd does.
 */
export function listenAddresses(s: SshdSettings): { host: string; port: number }[] {
  if (s.listenAddress.length === 0)
    return s.port.flatMap((port) => [
      { host: "::", port },
      { host: "0.0.0.0", port },
    ]);
  return s.listenAddress.flatMap((address) => {
    const bracket = /^\[(.*)\]:([0-9]+)$/.exec(address);
    if (bracket) return [{ host: bracket[1] as string, port: Number(bracket[2]) }];
    const colon = address.lastIndexOf(":");
    if (colon !== -1 && isIP(address) === 0)
      return [{ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }];
    const host = address.replace(/^\[(.*)\]$/, "$1");
    return s.port.map((port) => ({ host, port }));
  });
}
