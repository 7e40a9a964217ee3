/**
 * The connection a server configuration is resolved for: what `sshd -T -C user=…,host=…,addr=…,laddr=…,lport=…,
 * rdomain=…` takes. A criterion whose attribute is missing does not match (sshd's test mode), except
 * `Match LocalPort`, which sshd refuses to evaluate without `lport`.
 */
export interface ServerConnection {
  /** The user logging in (`Match User`, `Match Group`). */
  readonly user?: string | undefined;
  /** The client's host name (`Match Host`; sshd uses the address unless `UseDNS yes`). */
  readonly host?: string | undefined;
  /** The client's address (`Match Address`). */
  readonly address?: string | undefined;
  /** The server address the client connected to (`Match LocalAddress`). */
  readonly localAddress?: string | undefined;
  /** The server port the client connected to (`Match LocalPort`). */
  readonly localPort?: number | undefined;
  /** The routing domain (`Match RDomain`). */
  readonly rdomain?: string | undefined;
  /** The user does not exist (`-C invalid-user`, `Match invalid-user`, OpenSSH 10.0 on). */
  readonly invalidUser?: boolean | undefined;
}
