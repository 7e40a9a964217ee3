import { z } from "zod";
import { INT_MAX } from "../_time.ts";
import { flagValue, integerValue, portValue, timeOrNoneValue } from "../_values.ts";
import { parseProxyJump } from "./jump.ts";

const seconds: z.ZodNumber = z.number().int().min(0).max(INT_MAX);

/**
 * The typed client settings tsalive uses: OpenSSH's liveness and connection basics, plus the `Heartbeat`
 * extension. Times are in seconds, as OpenSSH stores them.
 *
 * @example
 * ```ts
 * import { type ClientConfig, clientConfigSchema } from "@tsalive/config";
 * const config: ClientConfig = clientConfigSchema.parse({
 *   host: "web", hostName: "web.example.com", user: "me", port: 22,
 *   serverAliveInterval: 15, serverAliveCountMax: 3, tcpKeepAlive: true,
 *   identityFile: ["~/.ssh/id_ed25519"], heartbeat: 0,
 * });
 * ```
 */
export const clientConfigSchema: z.ZodObject<
  {
    host: z.ZodString;
    hostName: z.ZodString;
    user: z.ZodString;
    port: z.ZodNumber;
    serverAliveInterval: z.ZodNumber;
    serverAliveCountMax: z.ZodNumber;
    connectTimeout: z.ZodOptional<z.ZodNumber>;
    tcpKeepAlive: z.ZodBoolean;
    identityFile: z.ZodArray<z.ZodString>;
    proxyJump: z.ZodOptional<z.ZodString>;
    heartbeat: z.ZodNumber;
  },
  z.core.$strip
> = z.object({
  /** The destination host as given (`Host` patterns and `%n` use it). */
  host: z.string(),
  /** HostName, %h expanded, lower-cased unless an address; the host itself when unset. */
  hostName: z.string(),
  /** User; the local user when unset. */
  user: z.string(),
  /** Port; 22 when unset. */
  port: z.number().int().min(1).max(65535),
  /** ServerAliveInterval in seconds; 0 (off) when unset. */
  serverAliveInterval: seconds,
  /** ServerAliveCountMax; 3 when unset. */
  serverAliveCountMax: seconds,
  /** ConnectTimeout in seconds; absent for `none` (the system's TCP timeout). */
  connectTimeout: seconds.optional(),
  /** TCPKeepAlive; yes when unset. */
  tcpKeepAlive: z.boolean(),
  /** IdentityFile, every active one in order, duplicates removed; ssh's default list when none is set. */
  identityFile: z.array(z.string()),
  /** ProxyJump as `ssh -G` prints it; absent when unset, `none`, or a ProxyCommand came first. */
  proxyJump: z.string().optional(),
  /** tsalive's Heartbeat in seconds (SSH_MSG_IGNORE after that much outbound silence); 0 (off) when unset. */
  heartbeat: seconds,
});

/** The typed client settings; see {@linkcode clientConfigSchema}. */
export type ClientConfig = z.infer<typeof clientConfigSchema>;

/**
 * How each typed keyword's argument is read (one argument as written → its value), with OpenSSH's messages.
 * `none` reads as `undefined` where OpenSSH treats it as "not set" (a later line may still set it).
 *
 * @example
 * ```ts
 * import { clientKeywordSchemas } from "@tsalive/config";
 * clientKeywordSchemas.ServerAliveInterval.parse("1m"); // 60
 * clientKeywordSchemas.ServerAliveInterval.parse("none"); // undefined
 * clientKeywordSchemas.TCPKeepAlive.parse("no"); // false
 * ```
 */
export const clientKeywordSchemas: {
  readonly ServerAliveInterval: z.ZodType<number | undefined, string>;
  readonly ServerAliveCountMax: z.ZodType<number, string>;
  readonly ConnectTimeout: z.ZodType<number | undefined, string>;
  readonly TCPKeepAlive: z.ZodType<boolean, string>;
  readonly HostName: z.ZodString;
  readonly Port: z.ZodType<number, string>;
  readonly User: z.ZodString;
  readonly IdentityFile: z.ZodString;
  readonly ProxyJump: z.ZodString;
  readonly Heartbeat: z.ZodType<number | undefined, string>;
} = {
  ServerAliveInterval: timeOrNoneValue,
  ServerAliveCountMax: integerValue,
  ConnectTimeout: timeOrNoneValue,
  TCPKeepAlive: flagValue,
  HostName: z.string().min(1, "Missing argument."),
  Port: portValue,
  User: z.string().min(1, "Missing argument."),
  IdentityFile: z.string().min(1, "Missing argument."),
  ProxyJump: z.string().refine((value) => parseProxyJump(value) !== undefined, {
    error: (issue) => `Invalid ProxyJump "${String(issue.input)}"`,
  }),
  Heartbeat: timeOrNoneValue,
} as const;
