import { portValue } from "../_values.ts";
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";

/** One hop of a `ProxyJump` list. */
export interface JumpHost {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

function port(text: string): number | undefined {
  const result = portValue.safeParse(text);
  return result.success ? result.data : undefined;
}

/** misc.c hpdelim2: the host part (brackets kept) and what follows `:` or `/`. */
function hpdelim(s: string): { host: string; rest: string | undefined; delim: string } | undefined {
  let end: number;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close === -1) return undefined;
    end = close + 1;
  } else {
    const at = s.search(/[:/]/);
    end = at === -1 ? s.length : at;
  }
  if (end === s.length) return { host: s, rest: undefined, delim: "" };
  const delim = s[end] as string;
  if (delim !== ":" && delim !== "/") return undefined;
  return { host: s.slice(0, end), rest: s.slice(end + 1), delim };
}

function cleanHostname(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** misc.c parse_ssh_uri / parse_user_host_port for one ProxyJump hop; `undefined` when OpenSSH rejects it. */
export function parseJumpHop(text: string): JumpHost | undefined {
  if (text.startsWith("ssh://")) {
    let rest = text.slice(6);
    let user: string | undefined;
    const at = rest.indexOf("@");
    if (at !== -1) {
      user = rest.slice(0, at).split(";")[0] as string;
      if (user === "") return undefined;
      user = decodeURIComponent(user);
      rest = rest.slice(at + 1);
    }
    const split = hpdelim(rest);
    if (!split || split.host === "") return undefined;
    let p: number | undefined;
    let path = split.rest;
    if (path !== undefined && path !== "" && split.delim === ":") {
      const slash = path.indexOf("/");
      p = port(slash === -1 ? path : path.slice(0, slash));
      if (p === undefined) return undefined;
      path = slash === -1 ? undefined : path.slice(slash + 1);
    }
    // ssh:// destinations may not carry a path.
    if (path !== undefined && path !== "") return undefined;
    return {
      host: cleanHostname(split.host),
      ...(user === undefined ? {} : { user }),
      ...(p === undefined ? {} : { port: p }),
    };
  }
  let rest = text;
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at !== -1) {
    user = rest.slice(0, at);
    if (user === "") return undefined;
    rest = rest.slice(at + 1);
  }
  const split = hpdelim(rest);
  if (!split || split.delim === "/" || split.host === "") return undefined;
  let p: number | undefined;
  if (split.rest !== undefined && split.rest !== "") {
    p = port(split.rest);
    if (p === undefined) return undefined;
  }
  return {
    host: cleanHostname(split.host),
    ...(user === undefined ? {} : { user }),
    ...(p === undefined ? {} : { port: p }),
  };
}

/** A parsed `ProxyJump`: `none`, or hops in connection order. */
export type ProxyJumpValue = { readonly none: true } | { readonly none: false; readonly hops: readonly JumpHost[] };

/**
 * The part of a ProxyJump value ssh parses: up to a `#`, then up to the first space or tab (OpenSSH 9.2 as Debian
 * ships it, with the 10.3 ProxyJump fixes backported: `ProxyJump a b` is `a`).
 */
function jumpText(value: string, openssh: OpenSshVersion): string {
  const hash = value.indexOf("#");
  const text = (hash === -1 ? value : value.slice(0, hash)).replace(/[ \t\n\v\f\r]+$/, "");
  // 10.6 keeps the whole rest of the line (spaces included) as the specification; older releases stop at a space.
  if (opensshAtLeast(openssh, "10.5")) return text;
  const space = text.search(/[ \t]/);
  return space === -1 ? text : text.slice(0, space);
}

/**
 * readconf.c `parse_jump`: `none` (the whole value, any case), or comma-separated hops `[user@]host[:port]` or
 * `ssh://user@host:port`; a `#` or a space ends the value. Returns `undefined` for a value ssh rejects
 * (`Invalid ProxyJump "…"`).
 *
 * @example
 * ```ts
 * import { parseProxyJump } from "@tsalive/config/unstable";
 * parseProxyJump("bastion,me@inner:2222");
 * // { none: false, hops: [{ host: "bastion" }, { user: "me", host: "inner", port: 2222 }] }
 * ```
 */
export function parseProxyJump(value: string, openssh: OpenSshVersion = "9.2"): ProxyJumpValue | undefined {
  if (value.toLowerCase() === "none") return { none: true };
  const hops: JumpHost[] = [];
  for (const part of jumpText(value, openssh).split(",")) {
    const hop = parseJumpHop(part);
    if (!hop) return undefined;
    hops.push(hop);
  }
  return { none: false, hops };
}

/**
 * How `ssh -G` prints a ProxyJump: earlier hops as written, then the last one rebuilt, IPv6 and numeric hosts in
 * brackets. `undefined` for `none` or an invalid value.
 *
 * @example
 * ```ts
 * import { formatProxyJump } from "./jump.ts";
 * formatProxyJump("a,me@10.0.0.1:22"); // "a,me@[10.0.0.1]:22"
 * ```
 */
export function formatProxyJump(value: string, openssh: OpenSshVersion = "9.2"): string | undefined {
  const parsed = parseProxyJump(value, openssh);
  if (!parsed || parsed.none) return undefined;
  const last = parsed.hops[parsed.hops.length - 1] as JumpHost;
  const text = jumpText(value, openssh);
  const comma = text.lastIndexOf(",");
  const extra = comma > 0 ? `${text.slice(0, comma)},` : "";
  const numeric = last.host.includes(":") || /^[0-9.]*$/.test(last.host);
  const host = numeric ? `[${last.host}]` : last.host;
  return `${extra}${last.user === undefined ? "" : `${last.user}@`}${host}${last.port === undefined ? "" : `:${last.port}`}`;
}
