/** A `-L` / `LocalForward` specification. */
export interface LocalForward {
  /** The local address to listen on; `localhost` (loopback only) when not given, as with GatewayPorts no. */
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly host: string;
  readonly hostPort: number;
}

/**
 * Reads `[bind_address:]port:host:hostport` (IPv6 addresses in brackets, `*` or empty bind = every address), as
 * ssh's parse_forward does for local forwards.
 *
 * @example
 * ```ts
 * import { parseForwardSpec } from "./forward_spec.ts";
 * parseForwardSpec("8080:localhost:80"); // { bindAddress: "localhost", bindPort: 8080, host: "localhost", hostPort: 80 }
 * parseForwardSpec("[::1]:8080:[2001:db8::1]:80")?.host; // "2001:db8::1"
 * ```
 */
export function parseForwardSpec(spec: string): LocalForward | undefined {
  const parts: string[] = [];
  let current = "";
  let bracket = false;
  for (const c of spec) {
    if (c === "[" && current === "") bracket = true;
    else if (c === "]" && bracket) bracket = false;
    else if (c === ":" && !bracket) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  if (bracket) return undefined;
  parts.push(current);
  if (parts.length === 3) parts.unshift("localhost");
  if (parts.length !== 4) return undefined;
  const [bind, bindPort, host, hostPort] = parts as [string, string, string, string];
  const port = (s: string) => (/^[0-9]+$/.test(s) && Number(s) <= 65535 ? Number(s) : undefined);
  const lp = port(bindPort);
  const hp = port(hostPort);
  if (lp === undefined || hp === undefined || host === "") return undefined;
  return { bindAddress: bind === "" || bind === "*" ? "0.0.0.0" : bind, bindPort: lp, host, hostPort: hp };
}
