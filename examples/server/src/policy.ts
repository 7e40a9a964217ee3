/**
 * The sshd_config keywords that restrict access, read from @tsalive/config's resolution (raw assignments) with
 * the semantics of OpenSSH 9.2's servconf.c: which line wins, which accumulate, what `Match` replaces.
 *
 * @module
 */
import { explainServerConfig, formatSource, type ResolvedServerConfig, serverBehaviour } from "@tsalive/config";

/** PermitRootLogin's four values (`without-password` is `prohibit-password`). */
export type PermitRootLogin = "yes" | "prohibit-password" | "forced-commands-only" | "no";

/** What one connection may do, as sshd decides it once the user is known (Match evaluated). */
export interface AccessPolicy {
  readonly permitRootLogin: PermitRootLogin;
  readonly allowUsers: readonly string[];
  readonly denyUsers: readonly string[];
  readonly allowGroups: readonly string[];
  readonly denyGroups: readonly string[];
  readonly maxAuthTries: number;
  readonly maxSessions: number;
  /** ForceCommand: the rest of the line, or undefined. */
  readonly forceCommand: string | undefined;
  readonly permitTTY: boolean;
  /** AllowTcpForwarding: whether `-L` (direct-tcpip) is allowed (`yes`, `all`, `local`). */
  readonly allowLocalForwarding: boolean;
  /** AllowTcpForwarding: whether `-R` (tcpip-forward) is allowed (`yes`, `all`, `remote`). */
  readonly allowRemoteForwarding: boolean;
  /** PermitListen entries as `host:port` (a bare port is `*:port`, as servconf.c stores it); `["any"]` by default. */
  readonly permitListen: readonly string[];
  /** GatewayPorts: where `-R` may listen besides loopback. */
  readonly gatewayPorts: GatewayPorts;
  readonly disableForwarding: boolean;
  /** PermitOpen entries; `["any"]` (the default) allows every destination, `["none"]` none. */
  readonly permitOpen: readonly string[];
  readonly acceptEnv: readonly string[];
  /** SetEnv `NAME=value` entries, first of each name. */
  readonly setEnv: readonly string[];
  /** PermitUserEnvironment: `false`, `true`, or a pattern list of names allowed. */
  readonly permitUserEnvironment: boolean | string;
  /** StrictModes (global). */
  readonly strictModes: boolean;
  /** RequiredRSASize: RSA keys shorter than this are refused. */
  readonly requiredRsaSize: number;
}

/** GatewayPorts' three values (servconf.c: `no` 0, `yes` 1, `clientspecified` 2). */
export type GatewayPorts = "no" | "yes" | "clientspecified";

/** MaxStartups `start:rate:full` (global). */
export interface MaxStartups {
  readonly begin: number;
  readonly rate: number;
  readonly full: number;
}

function pass(config: ResolvedServerConfig, key: string, which: 1 | 2) {
  return (config.resolution.settings.get(key)?.assignments ?? []).filter((a) => a.pass === which);
}

/** Every argument of every line of an accumulating keyword: a matching Match block's lines replace the global ones. */
function accumulated(config: ResolvedServerConfig, key: string): string[] {
  const matched = pass(config, key, 2);
  return (matched.length > 0 ? matched : pass(config, key, 1)).flatMap((a) => [...a.args]);
}

/** The line sshd applies for a single-valued keyword (a matching Match block's, else the global one). */
function winner(config: ResolvedServerConfig, key: string) {
  return explainServerConfig(config, key).winner;
}

function word(config: ResolvedServerConfig, key: string): string | undefined {
  return winner(config, key)?.args[0];
}

function yes(config: ResolvedServerConfig, key: string, fallback: boolean): boolean {
  const value = word(config, key);
  return value === undefined ? fallback : value.toLowerCase() === "yes";
}

function integer(config: ResolvedServerConfig, key: string, fallback: number): number {
  const value = word(config, key);
  return value === undefined ? fallback : Number(value);
}

/**
 * The access policy of a resolved configuration.
 *
 * @example
 * ```ts
 * import { resolveServerConfig } from "@tsalive/config";
 * import { accessPolicy } from "./policy.ts";
 * const config = resolveServerConfig({ config: { text: "PermitRootLogin no\nAllowUsers ann bob@10.0.0.0/8\n" }, extensions: null });
 * accessPolicy(config).allowUsers; // ["ann", "bob@10.0.0.0/8"]
 * ```
 */
export function accessPolicy(config: ResolvedServerConfig): AccessPolicy {
  const root = (word(config, "permitrootlogin") ?? "prohibit-password").toLowerCase();
  const tcp = (word(config, "allowtcpforwarding") ?? "yes").toLowerCase();
  const open = winner(config, "permitopen")?.args ?? ["any"];
  const listen = (winner(config, "permitlisten")?.args ?? ["any"]).map((a) =>
    a === "any" || a === "none" || a.includes(":") ? a : `*:${a}`,
  );
  const gateway = (word(config, "gatewayports") ?? "no").toLowerCase();
  const setEnv: string[] = [];
  for (const entry of winner(config, "setenv")?.args ?? []) {
    const name = entry.slice(0, entry.indexOf("=") + 1);
    if (!setEnv.some((e) => e.startsWith(name))) setEnv.push(entry);
  }
  // PermitUserEnvironment is global and compared case-sensitively: "yes", "no", or a pattern list.
  const userEnv = pass(config, "permituserenvironment", 1)[0]?.args[0];
  const force = winner(config, "forcecommand");
  return {
    permitRootLogin: (root === "without-password" ? "prohibit-password" : root) as PermitRootLogin,
    allowUsers: accumulated(config, "allowusers"),
    denyUsers: accumulated(config, "denyusers"),
    allowGroups: accumulated(config, "allowgroups"),
    denyGroups: accumulated(config, "denygroups"),
    maxAuthTries: integer(config, "maxauthtries", 6),
    maxSessions: integer(config, "maxsessions", 10),
    forceCommand: force === undefined ? undefined : force.value.replace(/^[ \t\r\n]+/, ""),
    permitTTY: yes(config, "permittty", true),
    allowLocalForwarding: tcp === "yes" || tcp === "all" || tcp === "local",
    allowRemoteForwarding: tcp === "yes" || tcp === "all" || tcp === "remote",
    permitListen: listen,
    gatewayPorts: gateway === "yes" || gateway === "clientspecified" ? gateway : "no",
    disableForwarding: yes(config, "disableforwarding", false),
    permitOpen: open,
    acceptEnv: accumulated(config, "acceptenv"),
    setEnv,
    permitUserEnvironment: userEnv === undefined || userEnv === "no" ? false : userEnv === "yes" ? true : userEnv,
    strictModes: (pass(config, "strictmodes", 1)[0]?.args[0] ?? "yes").toLowerCase() === "yes",
    requiredRsaSize: integer(config, "requiredrsasize", 1024),
  };
}

/**
 * MaxStartups as servconf.c reads it (global; before 10.1 the last line wins, as it is scanned straight into the
 * options, and from 10.1 the first). Default `10:30:100`; a single number `N` sets begin and full to `N` and keeps
 * the rate an earlier line set (else 30). Every line is checked.
 *
 * @throws {Error} `FILE line N: Invalid MaxStartups spec.`, sshd's message.
 */
export function maxStartups(config: ResolvedServerConfig): MaxStartups {
  const lines = pass(config, "maxstartups", 1);
  const firstWins = serverBehaviour(config.resolution.openssh).maxStartupsWinner === "first";
  let spec: MaxStartups = { begin: 10, rate: 30, full: 100 };
  let first: MaxStartups | undefined;
  for (const line of lines) {
    const arg = line.args[0] ?? "";
    const where = line.source.kind === "file" ? `${line.source.file} line ${line.source.line}` : "command-line line 0";
    const bad = () => new Error(`${where}: Invalid ${line.keyword} spec.`);
    // sscanf("%d:%d:%d"): leading digits of each field; a field that does not start with a number ends the scan.
    const fields = /^[ \t]*([+-]?[0-9]+)(?::[ \t]*([+-]?[0-9]+)(?::[ \t]*([+-]?[0-9]+))?)?/.exec(arg);
    if (!fields) throw bad();
    const [begin, rate, full] = [fields[1], fields[2], fields[3]].map((f) => (f === undefined ? undefined : Number(f)));
    if (full !== undefined) {
      if ((begin as number) > full || (rate as number) > 100 || (rate as number) < 1) throw bad();
      spec = { begin: begin as number, rate: rate as number, full };
    } else if (rate !== undefined) throw bad();
    else spec = { begin: begin as number, rate: spec.rate, full: begin as number };
    if (spec.full <= 0 || spec.begin <= 0) throw bad();
    first ??= spec;
  }
  return firstWins ? (first ?? spec) : spec;
}

/** Where a keyword that tsalive-sshd refuses was set, and why it is refused. */
export interface RefusedKeyword {
  readonly keyword: string;
  readonly where: string;
  readonly reason: string;
}

/**
 * The sshd_config keywords that restrict access in a way tsalive-sshd does not enforce, so it refuses to start
 * rather than run with them ignored: each is refused only with a value that would restrict something.
 */
const REFUSED: readonly { key: string; allowed: (args: readonly string[]) => boolean; reason: string }[] = [
  {
    key: "usepam",
    allowed: (a) => a[0]?.toLowerCase() !== "yes",
    reason: "PAM account and session checks are not run",
  },
  {
    key: "authenticationmethods",
    allowed: (a) => a.length === 1 && a[0] === "any",
    reason: "only single publickey authentication is offered",
  },
  {
    key: "authorizedkeyscommand",
    allowed: (a) => a.length === 1 && a[0]?.toLowerCase() === "none",
    reason: "keys are read from AuthorizedKeysFile only",
  },
  { key: "revokedkeys", allowed: (a) => a[0]?.toLowerCase() === "none", reason: "revoked keys are not checked" },
  { key: "chrootdirectory", allowed: (a) => a[0]?.toLowerCase() === "none", reason: "sessions are not chrooted" },
  {
    key: "persourcemaxstartups",
    allowed: (a) => a[0]?.toLowerCase() === "none",
    reason: "only the global MaxStartups is counted",
  },
  { key: "persourcenetblocksize", allowed: () => false, reason: "only the global MaxStartups is counted" },
  {
    key: "forcecommand",
    allowed: (a) => a[0] !== "internal-sftp",
    reason: "there is no internal sftp server",
  },
  {
    key: "pubkeyacceptedalgorithms",
    allowed: () => false,
    reason: "key algorithms are not filtered (ssh2 offers its own set)",
  },
  {
    key: "pubkeyauthoptions",
    allowed: (a) => a.every((o) => o === "none"),
    reason: "FIDO key options are not checked",
  },
  { key: "ciphers", allowed: () => false, reason: "ciphers are ssh2's set, not filtered" },
  { key: "macs", allowed: () => false, reason: "MACs are ssh2's set, not filtered" },
  { key: "kexalgorithms", allowed: () => false, reason: "key exchange algorithms are ssh2's set, not filtered" },
  { key: "hostkeyalgorithms", allowed: () => false, reason: "host key algorithms are ssh2's set, not filtered" },
];

/**
 * Every line (global or in any Match block, -o included) that sets a keyword tsalive-sshd refuses.
 *
 * @example
 * ```ts
 * import { resolveServerConfig } from "@tsalive/config";
 * import { refusedKeywords } from "./policy.ts";
 * refusedKeywords(resolveServerConfig({ config: { file: "c", text: "UsePAM yes\n" }, extensions: null }), []);
 * // [{ keyword: "UsePAM", where: "c line 1", reason: "PAM account and session checks are not run" }]
 * ```
 */
export function refusedKeywords(
  config: ResolvedServerConfig,
  everyLine: readonly { key: string; keyword: string; args: readonly string[]; where: string }[],
): RefusedKeyword[] {
  const refused: RefusedKeyword[] = [];
  const lines =
    everyLine.length > 0
      ? everyLine
      : [...config.resolution.settings].flatMap(([key, setting]) =>
          setting.assignments.map((a) => ({ key, keyword: a.keyword, args: a.args, where: formatSource(a.source) })),
        );
  for (const line of lines) {
    const rule = REFUSED.find((r) => r.key === line.key);
    if (rule !== undefined && !rule.allowed(line.args)) {
      refused.push({ keyword: line.keyword, where: line.where, reason: rule.reason });
    }
  }
  return refused;
}
