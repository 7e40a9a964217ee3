import type { ConnectionInfo } from "./options.ts";

/**
 * The connection as `@tsalive/config`'s `resolveServerConfig({ connection })` takes it for `Match` (sshd's `-C
 * user=…,host=…,addr=…,laddr=…,lport=…`), from what a per-connection options function receives. Before
 * authentication `user` is unknown, so `Match User` and `Match Group` blocks do not apply yet; the second call,
 * after authentication, has it.
 *
 * @example
 * ```ts
 * import { sshdMatchConnection } from "@tsalive/ssh2-server";
 * sshdMatchConnection({ user: "me", addr: "10.1.2.3", port: 50000, laddr: "10.0.0.1", lport: 22 });
 * // { user: "me", host: "10.1.2.3", address: "10.1.2.3", localAddress: "10.0.0.1", localPort: 22 }
 * ```
 */
export function sshdMatchConnection(info: ConnectionInfo): {
  readonly user?: string;
  readonly host: string;
  readonly address: string;
  readonly localAddress: string;
  readonly localPort: number;
} {
  return {
    ...(info.user !== undefined && { user: info.user }),
    // sshd matches Host against the address unless UseDNS yes.
    host: info.addr,
    address: info.addr,
    localAddress: info.laddr,
    localPort: info.lport,
  };
}
