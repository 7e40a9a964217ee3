import type { ClientConfig } from "@tsalive/config";

/**
 * The effective configuration as `ssh -G` prints it (lower-case keyword, a space, the value; one per line) for
 * every value `@tsalive/config` types. `heartbeat` is tsalive's extension; OpenSSH's ssh has no such line.
 *
 * @example
 * ```ts
 * import { formatClientConfig } from "./print_config.ts";
 * formatClientConfig({ host: "h", hostName: "h", user: "me", port: 22, serverAliveInterval: 0,
 *   serverAliveCountMax: 3, tcpKeepAlive: true, identityFile: [], heartbeat: 0 }).split("\n")[0]; // "host h"
 * ```
 */
export function formatClientConfig(values: ClientConfig): string {
  const lines = [
    `host ${values.host}`,
    `user ${values.user}`,
    `hostname ${values.hostName}`,
    `port ${values.port}`,
    `tcpkeepalive ${values.tcpKeepAlive ? "yes" : "no"}`,
    `serveralivecountmax ${values.serverAliveCountMax}`,
    `serveraliveinterval ${values.serverAliveInterval}`,
    ...values.identityFile.map((file) => `identityfile ${file}`),
    `connecttimeout ${values.connectTimeout ?? "none"}`,
    ...(values.proxyJump === undefined ? [] : [`proxyjump ${values.proxyJump}`]),
    `heartbeat ${values.heartbeat}`,
  ];
  return `${lines.join("\n")}\n`;
}
