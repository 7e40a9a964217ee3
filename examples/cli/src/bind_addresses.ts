/** One address to listen on, as getaddrinfo would return it for ssh. */
export interface BindAddress {
  readonly host: string;
  /** `::` is bound IPv6-only, as ssh sets IPV6_V6ONLY, so that `0.0.0.0` can be bound beside it. */
  readonly ipv6Only: boolean;
}

const LOOPBACK: readonly BindAddress[] = [
  { host: "::1", ipv6Only: false },
  { host: "127.0.0.1", ipv6Only: false },
];
const WILDCARD: readonly BindAddress[] = [
  { host: "0.0.0.0", ipv6Only: false },
  { host: "::", ipv6Only: true },
];

/**
 * Where ssh listens for a local (`-L`, `-D`) forward, as channels.c channel_fwd_bind_addr decides for the client:
 * no bind address is loopback (`::1`, then `127.0.0.1`), or every address with GatewayPorts (`-g`); `*` or an
 * empty one is every address (`0.0.0.0`, then `::`); `localhost` is loopback; anything else is itself. The order
 * is getaddrinfo's here, as `ssh -v` names them.
 *
 * @example
 * ```ts
 * import { localBindAddresses } from "./bind_addresses.ts";
 * localBindAddresses(undefined, false).map((a) => a.host); // ["::1", "127.0.0.1"]
 * localBindAddresses(undefined, true).map((a) => a.host); // ["0.0.0.0", "::"]
 * localBindAddresses("127.0.0.1", true).map((a) => a.host); // ["127.0.0.1"]
 * ```
 */
export function localBindAddresses(bindAddress: string | undefined, gatewayPorts: boolean): readonly BindAddress[] {
  if (bindAddress === undefined) return gatewayPorts ? WILDCARD : LOOPBACK;
  if (bindAddress === "" || bindAddress === "*") return WILDCARD;
  if (bindAddress === "localhost") return LOOPBACK;
  return [{ host: bindAddress, ipv6Only: false }];
}

/**
 * How `ssh -v` names a forward's listen address in `Local connections to …`: `LOCALHOST` or `*` (with
 * GatewayPorts) when none was given.
 */
export function describeBindAddress(bindAddress: string | undefined, gatewayPorts: boolean): string {
  return bindAddress ?? (gatewayPorts ? "*" : "LOCALHOST");
}
