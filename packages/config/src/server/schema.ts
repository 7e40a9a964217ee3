import { z } from "zod";
import { INT_MAX } from "../_time.ts";
import { integerValue, portValue, timeValue } from "../_values.ts";
import { parseChannelTimeoutEntry } from "./resolve.ts";

const seconds: z.ZodNumber = z.number().int().min(0).max(INT_MAX);

/**
 * `yes` or `no` in any case, as servconf.c's `multistate_flag` (sshd, unlike ssh, has no `true`/`false`).
 *
 * @example
 * ```ts
 * import { serverFlagValue } from "./schema.ts";
 * serverFlagValue.parse("Yes"); // true
 * serverFlagValue.safeParse("true").success; // false ('unsupported option "true".')
 * ```
 */
export const serverFlagValue: z.ZodType<boolean, string> = z.string().transform((arg, ctx) => {
  const word = arg.toLowerCase();
  if (word === "yes" || word === "no") return word === "yes";
  ctx.addIssue({ code: "custom", message: `unsupported option "${arg}".` });
  return z.NEVER;
});

/**
 * One `ChannelTimeout` entry, `type=interval`: an OpenSSH channel type pattern (`*` and `?` wildcards) and its
 * idle time in seconds. Session channels are labelled by what they run — `session:shell`, `session:command`,
 * `session:subsystem:NAME` — so `session:*=2m` covers them all while `session=2m` matches none of them on 9.2.
 *
 * @example
 * ```ts
 * import { channelTimeoutEntry } from "./schema.ts";
 * channelTimeoutEntry.parse("session:*=2m"); // { type: "session:*", timeout: 120 }
 * ```
 */
export const channelTimeoutEntry: z.ZodType<{ type: string; timeout: number }, string> = z
  .string()
  .transform((arg, ctx) => {
    const entry = parseChannelTimeoutEntry(arg);
    if (entry) return entry;
    ctx.addIssue({ code: "custom", message: `invalid channel timeout ${arg}` });
    return z.NEVER;
  });

/** One parsed `ChannelTimeout` entry; see {@linkcode channelTimeoutEntry}. */
export type ChannelTimeoutEntry = z.infer<typeof channelTimeoutEntry>;

/**
 * A `ListenAddress` as written: host (brackets removed), optional port (else every `Port`) and routing domain.
 *
 * @example
 * ```ts
 * import { listenAddressValue } from "./schema.ts";
 * listenAddressValue.parse("[::1]:2222"); // { host: "::1", port: 2222 }
 * ```
 */
export const listenAddressValue: z.ZodType<{ host: string; port?: number }, string> = z
  .string()
  .transform((arg, ctx) => {
    const colon = arg.indexOf(":");
    if (!arg.includes("[") && colon !== -1 && arg.slice(colon + 1).includes(":")) return { host: arg };
    const match = /^(\[[^\]]*\]|[^:/]*)(?::(.*))?$/.exec(arg);
    const host = match?.[1];
    if (!match || host === undefined) {
      ctx.addIssue({ code: "custom", message: "bad address:port usage" });
      return z.NEVER;
    }
    const clean = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
    if (match[2] === undefined) return { host: clean };
    const port = portValue.safeParse(match[2]);
    if (!port.success) {
      ctx.addIssue({ code: "custom", message: "bad port number" });
      return z.NEVER;
    }
    return { host: clean, port: port.data };
  });

/** One parsed `ListenAddress`; see {@linkcode listenAddressValue}. */
export type ListenAddress = z.infer<typeof listenAddressValue>;

/**
 * How each typed sshd_config keyword's argument is read (one argument as written → its value), with sshd's
 * messages. `UnusedConnectionTimeout none` reads as 0 (off).
 *
 * @example
 * ```ts
 * import { serverKeywordSchemas } from "@tsalive/config";
 * serverKeywordSchemas.ClientAliveInterval.parse("1m"); // 60
 * serverKeywordSchemas.UnusedConnectionTimeout.parse("none"); // 0
 * serverKeywordSchemas.WatchdogTimeout.parse("15"); // 15
 * ```
 */
export const serverKeywordSchemas: {
  readonly ClientAliveInterval: z.ZodType<number, string>;
  readonly ClientAliveCountMax: z.ZodType<number, string>;
  readonly ChannelTimeout: z.ZodType<{ type: string; timeout: number }, string>;
  readonly UnusedConnectionTimeout: z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>;
  readonly LoginGraceTime: z.ZodType<number, string>;
  readonly TCPKeepAlive: z.ZodType<boolean, string>;
  readonly Port: z.ZodType<number, string>;
  readonly ListenAddress: z.ZodType<{ host: string; port?: number }, string>;
  readonly HostKey: z.ZodString;
  readonly AuthorizedKeysFile: z.ZodString;
  readonly PasswordAuthentication: z.ZodType<boolean, string>;
  readonly PubkeyAuthentication: z.ZodType<boolean, string>;
  readonly Heartbeat: z.ZodType<number, string>;
  readonly WatchdogTimeout: z.ZodType<number, string>;
} = {
  ClientAliveInterval: timeValue,
  ClientAliveCountMax: integerValue,
  ChannelTimeout: channelTimeoutEntry,
  UnusedConnectionTimeout: z
    .string()
    .transform((arg, ctx) => (arg.toLowerCase() === "none" ? 0 : parseOr(timeValue, arg, ctx))),
  LoginGraceTime: timeValue,
  TCPKeepAlive: serverFlagValue,
  Port: portValue,
  ListenAddress: listenAddressValue,
  HostKey: z.string().min(1, "missing file name."),
  AuthorizedKeysFile: z.string().min(1, "empty argument"),
  PasswordAuthentication: serverFlagValue,
  PubkeyAuthentication: serverFlagValue,
  Heartbeat: timeValue,
  WatchdogTimeout: timeValue,
} as const;

function parseOr(schema: z.ZodType<number, string>, arg: string, ctx: z.RefinementCtx): number {
  const result = schema.safeParse(arg);
  if (result.success) return result.data;
  ctx.addIssue({ code: "custom", message: result.error.issues[0]?.message ?? "invalid value." });
  return z.NEVER;
}

/**
 * The typed server settings tsalive uses: sshd's liveness keywords and connection basics, plus the `Heartbeat`
 * and `WatchdogTimeout` extensions. Times are in seconds, as sshd stores them; 0 means off.
 *
 * @example
 * ```ts
 * import { type ServerConfig, serverConfigSchema } from "@tsalive/config";
 * const config: ServerConfig = serverConfigSchema.parse({
 *   port: [22], listenAddress: [], hostKey: ["/etc/ssh/ssh_host_ed25519_key"], loginGraceTime: 120,
 *   clientAliveInterval: 15, clientAliveCountMax: 3, channelTimeout: [], unusedConnectionTimeout: 0,
 *   tcpKeepAlive: true, authorizedKeysFile: [".ssh/authorized_keys"], passwordAuthentication: false,
 *   pubkeyAuthentication: true, heartbeat: 0, watchdogTimeout: 60,
 * });
 * ```
 */
export const serverConfigSchema: z.ZodObject<
  {
    port: z.ZodArray<z.ZodNumber>;
    listenAddress: z.ZodArray<z.ZodObject<{ host: z.ZodString; port: z.ZodOptional<z.ZodNumber> }, z.core.$strip>>;
    hostKey: z.ZodArray<z.ZodString>;
    loginGraceTime: z.ZodNumber;
    clientAliveInterval: z.ZodNumber;
    clientAliveCountMax: z.ZodNumber;
    channelTimeout: z.ZodArray<z.ZodObject<{ type: z.ZodString; timeout: z.ZodNumber }, z.core.$strip>>;
    unusedConnectionTimeout: z.ZodNumber;
    tcpKeepAlive: z.ZodBoolean;
    authorizedKeysFile: z.ZodArray<z.ZodString>;
    passwordAuthentication: z.ZodBoolean;
    pubkeyAuthentication: z.ZodBoolean;
    heartbeat: z.ZodNumber;
    watchdogTimeout: z.ZodNumber;
  },
  z.core.$strip
> = z.object({
  /** Every `Port`, in order (`-o` first); [22] when none. */
  port: z.array(z.number().int().min(1).max(65535)),
  /** Every `ListenAddress` as written (a name is not resolved); empty means every address. */
  listenAddress: z.array(z.object({ host: z.string(), port: z.number().int().optional() })),
  /** Every `HostKey`, in order; sshd's default keys when none. */
  hostKey: z.array(z.string()),
  /** LoginGraceTime in seconds; 120 when unset, 0 = no limit. */
  loginGraceTime: seconds,
  /** ClientAliveInterval in seconds; 0 (off) when unset. */
  clientAliveInterval: seconds,
  /** ClientAliveCountMax; 3 when unset. 0 keeps probing and never disconnects (sshd since 8.2). */
  clientAliveCountMax: seconds,
  /** ChannelTimeout entries in order (first matching type wins); empty for none. */
  channelTimeout: z.array(z.object({ type: z.string(), timeout: seconds })),
  /** UnusedConnectionTimeout in seconds; 0 (none) when unset. */
  unusedConnectionTimeout: seconds,
  /** TCPKeepAlive; yes when unset. */
  tcpKeepAlive: z.boolean(),
  /** AuthorizedKeysFile, the first line's files; `.ssh/authorized_keys .ssh/authorized_keys2` when unset. */
  authorizedKeysFile: z.array(z.string()),
  /** PasswordAuthentication; yes when unset. */
  passwordAuthentication: z.boolean(),
  /** PubkeyAuthentication; yes when unset. */
  pubkeyAuthentication: z.boolean(),
  /** tsalive's Heartbeat in seconds (SSH_MSG_IGNORE after that much outbound silence); 0 (off) when unset. */
  heartbeat: seconds,
  /** tsalive's WatchdogTimeout in seconds (end the session after that much inbound silence); 0 (off) when unset. */
  watchdogTimeout: seconds,
});

/** The typed server settings; see {@linkcode serverConfigSchema}. */
export type ServerConfig = z.infer<typeof serverConfigSchema>;
