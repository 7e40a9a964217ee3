/**
 * Zod schemas for the value types ssh_config and sshd_config share. Each reads one argument as written in a
 * config file and fails with the tail of OpenSSH's message (the resolver prefixes `FILE line N: `).
 *
 * @module
 */
import { z } from "zod";
import { convtime, INT_MAX } from "./_time.ts";

/**
 * A time value as `convtime` reads it (`90`, `1h30m`), in seconds.
 *
 * @example
 * ```ts
 * import { timeValue } from "./_values.ts";
 * timeValue.parse("1m30s"); // 90
 * timeValue.safeParse("-1").success; // false ("invalid time value.")
 * ```
 */
export const timeValue: z.ZodType<number, string> = z.string().transform((arg, ctx) => {
  const seconds = convtime(arg);
  if (seconds === undefined) {
    ctx.addIssue({ code: "custom", message: "invalid time value." });
    return z.NEVER;
  }
  return seconds;
});

/**
 * A time value that may be `none` (exactly, lower case, as OpenSSH compares it), which means "not set": a later
 * line may still set it. `none` reads as `undefined`.
 *
 * @example
 * ```ts
 * import { timeOrNoneValue } from "./_values.ts";
 * timeOrNoneValue.parse("none"); // undefined
 * timeOrNoneValue.parse("15"); // 15
 * ```
 */
export const timeOrNoneValue: z.ZodType<number | undefined, string> = z
  .string()
  .transform((arg, ctx) => (arg === "none" ? undefined : parseWith(timeValue, arg, ctx)));

function parseWith<T>(schema: z.ZodType<T, string>, arg: string, ctx: z.RefinementCtx): T {
  const result = schema.safeParse(arg);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
  return z.NEVER;
}

/**
 * `yes`/`no`/`true`/`false` in any case, as readconf.c's `multistate_flag`.
 *
 * @example
 * ```ts
 * import { flagValue } from "./_values.ts";
 * flagValue.parse("Yes"); // true
 * flagValue.parse("false"); // false
 * ```
 */
export const flagValue: z.ZodType<boolean, string> = z.string().transform((arg, ctx) => {
  switch (arg.toLowerCase()) {
    case "yes":
    case "true":
      return true;
    case "no":
    case "false":
      return false;
    default:
      ctx.addIssue({ code: "custom", message: `unsupported option "${arg}".` });
      return z.NEVER;
  }
});

/**
 * C `strtonum` (over `strtoll`): the number, or the verdict OpenSSH words as `integer value invalid.` etc.
 *
 * @example
 * ```ts
 * import { strtonum } from "./_values.ts";
 * strtonum(" +42", 0, 100); // 42
 * strtonum("42x", 0, 100); // "invalid"
 * strtonum("-1", 0, 100); // "too small"
 * ```
 */
export function strtonum(arg: string, min: number, max: number): number | "invalid" | "too small" | "too large" {
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(arg);
  if (!match) return "invalid";
  const digits = (match[2] as string).replace(/^0+(?=\d)/, "");
  const magnitude = digits.length > 18 ? Number.MAX_SAFE_INTEGER : Number(digits);
  const value = match[1] === "-" ? -magnitude : magnitude;
  if (value < min) return "too small";
  if (value > max) return "too large";
  return value;
}

/**
 * A non-negative C int as readconf.c's `parse_int` reads it (`atoi_err`: strtonum 0…INT_MAX).
 *
 * @example
 * ```ts
 * import { integerValue } from "./_values.ts";
 * integerValue.parse("3"); // 3
 * integerValue.safeParse("-1").success; // false ("integer value too small.")
 * ```
 */
export const integerValue: z.ZodType<number, string> = z.string().transform((arg, ctx) => {
  if (arg === "") {
    ctx.addIssue({ code: "custom", message: "integer value missing." });
    return z.NEVER;
  }
  const value = strtonum(arg, 0, INT_MAX);
  if (typeof value === "string") {
    ctx.addIssue({ code: "custom", message: `integer value ${value}.` });
    return z.NEVER;
  }
  return value;
});

/**
 * TCP service names known everywhere, used when `/etc/services` cannot be read; `a2port` accepts service names
 * where a port number is expected (`Port ssh` is 22).
 *
 * @example
 * ```ts
 * import { SERVICE_PORTS } from "./_values.ts";
 * SERVICE_PORTS.get("ssh"); // 22
 * ```
 */
export const SERVICE_PORTS: ReadonlyMap<string, number> = new Map([
  ["ssh", 22],
  ["telnet", 23],
  ["http", 80],
  ["https", 443],
]);

/**
 * The TCP services of an `/etc/services` text (names and aliases → port), as getservbyname(name, "tcp") finds
 * them; the first entry of a name wins.
 *
 * @example
 * ```ts
 * import { parseServices } from "./_values.ts";
 * parseServices("ssh 22/tcp\nwww 80/tcp http\n").get("http"); // 80
 * ```
 */
export function parseServices(text: string): Map<string, number> {
  const services = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [name, portProto, ...aliases] = (line.split("#")[0] ?? "").trim().split(/\s+/);
    const match = /^(\d+)\/tcp$/.exec(portProto ?? "");
    if (!name || !match) continue;
    for (const alias of [name, ...aliases]) if (!services.has(alias)) services.set(alias, Number(match[1]));
  }
  return services;
}

/**
 * misc.c `a2port`: a number 0…65535, else a service name from `services` (default {@linkcode SERVICE_PORTS});
 * -1 when neither. Callers reject what OpenSSH rejects (ssh: `<= 0`).
 *
 * @example
 * ```ts
 * import { a2port } from "./_values.ts";
 * a2port("2222"); // 2222
 * a2port("ssh"); // 22
 * a2port("nope"); // -1
 * ```
 */
export function a2port(arg: string, services: ReadonlyMap<string, number> = SERVICE_PORTS): number {
  const number = strtonum(arg, 0, 65535);
  if (typeof number === "number") return number;
  return services.get(arg) ?? -1;
}

/**
 * A TCP port as misc.c `a2port` reads it: 0…65535 or a service name; ssh rejects 0 too (`Bad port '0'.`).
 *
 * @example
 * ```ts
 * import { portValue } from "./_values.ts";
 * portValue.parse("2222"); // 2222
 * portValue.parse("ssh"); // 22
 * ```
 */
export const portValue: z.ZodType<number, string> = z.string().transform((arg, ctx) => {
  const port = a2port(arg);
  if (port <= 0) {
    ctx.addIssue({ code: "custom", message: `Bad port '${arg}'.` });
    return z.NEVER;
  }
  return port;
});

/**
 * The first message of a failed schema, for building OpenSSH's `FILE line N: message`.
 *
 * @example
 * ```ts
 * import { firstIssue, timeValue } from "./_values.ts";
 * const result = timeValue.safeParse("x");
 * if (!result.success) firstIssue(result.error); // "invalid time value."
 * ```
 */
export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "invalid value.";
}
