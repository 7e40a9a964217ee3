import { forwardFields } from "./tunnel_spec.ts";

/** A `-L` / `LocalForward` specification. */
export interface LocalForward {
  /**
   * The local address to listen on, as given (`undefined`: not given: loopback, or every address with `-g` /
   * GatewayPorts; `*` or empty: every address). See bind_addresses.ts.
   */
  readonly bindAddress: string | undefined;
  readonly bindPort: number;
  readonly host: string;
  readonly hostPort: number;
}

/**
 * Reads `[bind_address:]port:host:hostport` (IPv6 addresses in brackets), as ssh's parse_forward does for local
 * forwards; the bind address is kept as given, for bind_addresses.ts to read with GatewayPorts.
 *
 * @example
 * ```ts
 * import { parseForwardSpec } from "./forward_spec.ts";
 * parseForwardSpec("8080:localhost:80"); // { bindAddress: undefined, bindPort: 8080, host: "localhost", hostPort: 80 }
 * parseForwardSpec("[::1]:8080:[2001:db8::1]:80")?.host; // "2001:db8::1"
 * ```
 */
export function parseForwardSpec(spec: string): LocalForward | undefined {
  const parts = forwardFields(spec);
  if (parts === undefined) return undefined;
  if (parts.length !== 3 && parts.length !== 4) return undefined;
  const bind = parts.length === 4 ? parts[0] : undefined;
  const [bindPort, host, hostPort] = parts.slice(-3) as [string, string, string];
  const port = (s: string) => (/^[0-9]+$/.test(s) && Number(s) <= 65535 ? Number(s) : undefined);
  const lp = port(bindPort);
  const hp = port(hostPort);
  if (lp === undefined || hp === undefined || host === "") return undefined;
  return { bindAddress: bind, bindPort: lp, host, hostPort: hp };
}
