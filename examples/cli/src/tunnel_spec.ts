/**
 * The `-R`, `-D` and `-W` specifications and the RemoteForward / DynamicForward keywords, read as ssh's
 * misc.c parse_forward reads them.
 *
 * @module
 */

/** A `-R [bind:]port:host:hostport` / `RemoteForward` specification. */
export interface RemoteForward {
  /** The address to ask the server to listen on, as given (`undefined`: not given; ssh then sends `localhost`). */
  readonly bindAddress: string | undefined;
  /** The port to listen on; 0 asks the server to pick one (it is reported as ssh does). */
  readonly bindPort: number;
  readonly host: string;
  readonly hostPort: number;
}

/** A `-D [bind:]port` / `DynamicForward` specification: a local SOCKS proxy. */
export interface DynamicForward {
  /** The local address to listen on, as given (`undefined`: not given: loopback, or every address with `-g`). */
  readonly bindAddress: string | undefined;
  readonly bindPort: number;
}

/** A `-W host:port` specification. */
export interface StdioForward {
  readonly host: string;
  readonly port: number;
}

/** Splits a forward specification on `:` outside `[…]`, dropping the brackets, as parse_forward's hpdelim does. */
export function forwardFields(spec: string): string[] | undefined {
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
  return parts;
}

function port(text: string): number | undefined {
  return /^[0-9]+$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;
}

/**
 * Reads a remote forward, `[bind_address:]port:host:hostport` (a space may stand for the second `:` as in the
 * RemoteForward keyword). ssh's remote dynamic form (`-R [bind:]port` alone) is not read: `undefined`.
 *
 * @example
 * ```ts
 * import { parseRemoteForwardSpec } from "./tunnel_spec.ts";
 * parseRemoteForwardSpec("8080:localhost:80"); // { bindAddress: undefined, bindPort: 8080, host: "localhost", hostPort: 80 }
 * parseRemoteForwardSpec("*:0:127.0.0.1:80")?.bindAddress; // "*"
 * ```
 */
export function parseRemoteForwardSpec(spec: string): RemoteForward | undefined {
  const parts = forwardFields(spec.trim().replace(/[ \t]+/, ":"));
  if (parts === undefined || (parts.length !== 3 && parts.length !== 4)) return undefined;
  const bind = parts.length === 4 ? parts[0] : undefined;
  const [bindPort, host, hostPort] = parts.slice(-3) as [string, string, string];
  const listen = port(bindPort);
  const connect = port(hostPort);
  if (listen === undefined || connect === undefined || connect === 0 || host === "") return undefined;
  return { bindAddress: bind, bindPort: listen, host, hostPort: connect };
}

/**
 * Reads a dynamic forward, `[bind_address:]port` (a bare IPv6 address needs brackets).
 *
 * @example
 * ```ts
 * import { parseDynamicForwardSpec } from "./tunnel_spec.ts";
 * parseDynamicForwardSpec("1080"); // { bindAddress: undefined, bindPort: 1080 }
 * parseDynamicForwardSpec("[::1]:1080"); // { bindAddress: "::1", bindPort: 1080 }
 * ```
 */
export function parseDynamicForwardSpec(spec: string): DynamicForward | undefined {
  const parts = forwardFields(spec.trim());
  if (parts === undefined || parts.length > 2) return undefined;
  const listen = port(parts.at(-1) as string);
  if (listen === undefined || listen === 0) return undefined;
  return { bindAddress: parts.length === 2 ? parts[0] : undefined, bindPort: listen };
}

/**
 * Reads `-W host:port` (ssh reads it as a dynamic forward's `[host:]port` and needs the host).
 *
 * @example
 * ```ts
 * import { parseStdioForwardSpec } from "./tunnel_spec.ts";
 * parseStdioForwardSpec("db.internal:5432"); // { host: "db.internal", port: 5432 }
 * ```
 */
export function parseStdioForwardSpec(spec: string): StdioForward | undefined {
  const parsed = parseDynamicForwardSpec(spec);
  if (parsed?.bindAddress === undefined || parsed.bindAddress === "") return undefined;
  return { host: parsed.bindAddress, port: parsed.bindPort };
}
