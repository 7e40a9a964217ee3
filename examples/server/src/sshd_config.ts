/**
 * sshd_config for tsalive-sshd: the keywords it honours, typed, with Match evaluated per connection as sshd does.
 *
 * This is the example's own stand-in for server resolution until `@tsalive/config` exports one (see
 * /work/notes/examples-requests.md); it uses that package's parser, value schemas and pattern matching, so the
 * grammar, time values and messages are OpenSSH's.
 */
import { readFileSync } from "node:fs";
import {
  type ConfigDocument,
  ConfigError,
  type ConfigIssue,
  convtime,
  type DirectiveLine,
  firstIssue,
  flagValue,
  integerValue,
  parseConfig,
  portValue,
  timeValue,
} from "@tsalive/config";
import type { ConnectionSpec } from "./argv.ts";
import { matchServerCriteria } from "./sshd_match.ts";

/** The typed settings tsalive-sshd acts on. Times are in seconds, as sshd stores them. */
export interface SshdSettings {
  port: number[];
  listenAddress: string[];
  hostKey: string[];
  authorizedKeysFile: string[];
  pubkeyAuthentication: boolean;
  passwordAuthentication: boolean;
  loginGraceTime: number;
  clientAliveInterval: number;
  clientAliveCountMax: number;
  /** `undefined` = none. */
  unusedConnectionTimeout: number | undefined;
  /** `type=interval` entries as written; `undefined` = none. */
  channelTimeout: string[] | undefined;
  tcpKeepAlive: boolean;
  /** tsalive's extension (2001 Heartbeat/Watchdog patch): seconds of outbound silence before SSH_MSG_IGNORE. */
  heartbeat: number;
  /** tsalive's extension: seconds of inbound silence before the session's processes are killed. */
  watchdogTimeout: number;
}

interface Keyword {
  readonly name: string;
  /** Allowed inside Match. */
  readonly match: boolean;
  readonly apply?: (settings: SshdSettings, args: readonly string[], set: Set<string>) => string | undefined;
}

const scalar =
  <K extends keyof SshdSettings>(key: K, read: (arg: string) => SshdSettings[K] | string) =>
  (settings: SshdSettings, args: readonly string[], set: Set<string>): string | undefined => {
    const value = read(args[0] ?? "");
    if (typeof value === "string" && typeof settings[key] !== "string") return value;
    if (set.has(key)) return undefined; // the first value wins
    set.add(key);
    settings[key] = value as SshdSettings[K];
    return undefined;
  };

const check =
  <T>(schema: { safeParse(arg: string): { success: true; data: T } | { success: false; error: unknown } }) =>
  (arg: string): T | string => {
    const result = schema.safeParse(arg);
    return result.success ? result.data : firstIssue(result.error as Parameters<typeof firstIssue>[0]);
  };

const time = check(timeValue);
const flag = check(flagValue);
const integer = check(integerValue);

function list<K extends "hostKey" | "listenAddress">(key: K) {
  return (settings: SshdSettings, args: readonly string[]): string | undefined => {
    settings[key].push(...args);
    return undefined;
  };
}

/**
 * Keywords tsalive-sshd honours, then every other keyword OpenSSH 9.2's sshd knows (accepted and reported as not
 * honoured with -d), then the extension keywords.
 */
const HONOURED: readonly Keyword[] = [
  {
    name: "Port",
    match: false,
    apply: (s, args, set) => {
      if (set.has("port:cmdline")) return undefined;
      const port = check(portValue)(args[0] ?? "");
      if (typeof port === "string") return port;
      s.port.push(port);
      return undefined;
    },
  },
  { name: "ListenAddress", match: false, apply: list("listenAddress") },
  { name: "HostKey", match: false, apply: list("hostKey") },
  {
    name: "AuthorizedKeysFile",
    match: true,
    apply: (s, args, set) => {
      if (set.has("authorizedKeysFile")) return undefined;
      set.add("authorizedKeysFile");
      s.authorizedKeysFile = args[0] === "none" ? [] : [...args];
      return undefined;
    },
  },
  { name: "PubkeyAuthentication", match: true, apply: scalar("pubkeyAuthentication", flag) },
  { name: "PasswordAuthentication", match: true, apply: scalar("passwordAuthentication", flag) },
  { name: "LoginGraceTime", match: false, apply: scalar("loginGraceTime", time) },
  { name: "ClientAliveInterval", match: true, apply: scalar("clientAliveInterval", time) },
  { name: "ClientAliveCountMax", match: true, apply: scalar("clientAliveCountMax", integer) },
  {
    name: "UnusedConnectionTimeout",
    match: true,
    apply: (s, args, set) => {
      const arg = args[0] ?? "";
      // servconf.c: "none" always applies, even after a value (the quirk sshd -T shows).
      if (arg === "none") {
        s.unusedConnectionTimeout = undefined;
        set.add("unusedConnectionTimeout");
        return undefined;
      }
      const value = time(arg);
      if (typeof value === "string") return value;
      if (!set.has("unusedConnectionTimeout")) {
        set.add("unusedConnectionTimeout");
        s.unusedConnectionTimeout = value;
      }
      return undefined;
    },
  },
  {
    name: "ChannelTimeout",
    match: true,
    apply: (s, args, set) => {
      for (const arg of args) {
        if (arg === "none") continue;
        const eq = arg.indexOf("=");
        if (eq <= 0 || convtime(arg.slice(eq + 1)) === undefined) return `invalid channel timeout ${arg}`;
      }
      if (set.has("channelTimeout")) return undefined;
      set.add("channelTimeout");
      s.channelTimeout = args[0] === "none" ? undefined : [...args];
      return undefined;
    },
  },
  { name: "TCPKeepAlive", match: false, apply: scalar("tcpKeepAlive", flag) },
  { name: "Heartbeat", match: true, apply: scalar("heartbeat", time) },
  { name: "WatchdogTimeout", match: true, apply: scalar("watchdogTimeout", time) },
];

const KEYWORDS: ReadonlyMap<string, Keyword> = new Map<string, Keyword>(
  [
    ...HONOURED,
    ...`AcceptEnv AddressFamily AllowAgentForwarding AllowGroups AllowStreamLocalForwarding AllowTcpForwarding
AllowUsers AuthenticationMethods AuthorizedKeysCommand AuthorizedKeysCommandUser AuthorizedPrincipalsCommand
AuthorizedPrincipalsCommandUser AuthorizedPrincipalsFile Banner CASignatureAlgorithms ChallengeResponseAuthentication
ChrootDirectory Ciphers DenyGroups DenyUsers DisableForwarding ExposeAuthInfo FingerprintHash ForceCommand
GatewayPorts GSSAPIAuthentication GSSAPICleanupCredentials GSSAPIKeyExchange GSSAPIStrictAcceptorCheck
HostbasedAcceptedAlgorithms HostbasedAuthentication HostbasedUsesNameFromPacketOnly HostCertificate HostKeyAgent
HostKeyAlgorithms IgnoreRhosts IgnoreUserKnownHosts Include IPQoS KbdInteractiveAuthentication
KerberosAuthentication KerberosGetAFSToken KerberosOrLocalPasswd KerberosTicketCleanup KexAlgorithms LogLevel
LogVerbose MACs MaxAuthTries MaxSessions MaxStartups ModuliFile PermitEmptyPasswords PermitListen PermitOpen
PermitRootLogin PermitTTY PermitTunnel PermitUserEnvironment PermitUserRC PerSourceMaxStartups
PerSourceNetBlockSize PidFile PrintLastLog PrintMotd PubkeyAcceptedAlgorithms PubkeyAuthOptions RDomain
RekeyLimit RequiredRSASize RevokedKeys SecurityKeyProvider SetEnv StreamLocalBindMask StreamLocalBindUnlink
StrictModes Subsystem SyslogFacility TrustedUserCAKeys UseDNS UsePAM VersionAddendum X11DisplayOffset
X11Forwarding X11UseLocalhost XAuthLocation`
      .split(/\s+/)
      .map((name) => ({ name, match: true })),
  ].map((k) => [k.name.toLowerCase(), k]),
);

/** Keywords tsalive-sshd reads but does not act on (named once with -d). */
export function isHonoured(keyword: string): boolean {
  return KEYWORDS.get(keyword.toLowerCase())?.apply !== undefined;
}

/** The defaults, as sshd 9.2 fills them in (fill_default_server_options). */
export function defaultSettings(): SshdSettings {
  return {
    port: [],
    listenAddress: [],
    hostKey: [],
    authorizedKeysFile: [".ssh/authorized_keys", ".ssh/authorized_keys2"],
    pubkeyAuthentication: true,
    passwordAuthentication: true,
    loginGraceTime: 120,
    clientAliveInterval: 0,
    clientAliveCountMax: 3,
    unusedConnectionTimeout: undefined,
    channelTimeout: undefined,
    tcpKeepAlive: true,
    heartbeat: 0,
    watchdogTimeout: 0,
  };
}

/** A parsed server configuration: `-o` lines, then the file, kept as documents so Match runs per connection. */
export interface SshdConfig {
  readonly documents: readonly ConfigDocument[];
  /** `-p` ports: they replace every Port line. */
  readonly cmdlinePorts: readonly number[];
  /** Keywords present that tsalive-sshd accepts but does not act on, with where they are. */
  readonly ignored: ReadonlyMap<string, string>;
}

/**
 * Reads and checks the configuration as sshd does at startup: `-o` options first (they win, being first), then
 * the file. Every bad line is reported, then it fails with `terminating, N bad configuration options`.
 *
 * @throws {ConfigError} with sshd's messages.
 */
export function loadSshdConfig(
  file: string,
  options: readonly string[],
  cmdlinePorts: readonly number[],
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
): SshdConfig {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    throw new ConfigError("CONFIG_READ_FAILED", `${file}: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  const documents = [
    ...options.map((option) => parseConfig(option, { file: "command-line" })),
    parseConfig(text, { file }),
  ];
  const issues: ConfigIssue[] = [];
  const ignored = new Map<string, string>();
  for (const doc of documents) {
    let inMatch = false;
    for (const line of doc.lines) {
      if (line.kind !== "directive") continue;
      const where = doc.file === "command-line" ? "command-line" : `${doc.file} line ${line.line}`;
      if (line.key === "match") {
        inMatch = true;
        const problem = matchServerCriteria(line.args, undefined);
        if (typeof problem === "string") issues.push(issue(doc, line, problem));
        continue;
      }
      const keyword = KEYWORDS.get(line.key);
      if (keyword === undefined) {
        issues.push({
          file: doc.file,
          line: line.line,
          keyword: line.keyword,
          message: `${where}: Bad configuration option: ${line.keyword}`,
        });
        continue;
      }
      if (inMatch && !keyword.match) {
        issues.push(issue(doc, line, `Directive '${keyword.name}' is not allowed within a Match block`));
        continue;
      }
      if (keyword.apply === undefined) {
        if (!ignored.has(keyword.name)) ignored.set(keyword.name, where);
        continue;
      }
      const problem = keyword.apply(defaultSettings(), line.args, new Set());
      if (problem !== undefined) issues.push(issue(doc, line, problem));
    }
  }
  if (issues.length > 0) {
    const summary = `${file}: terminating, ${issues.length} bad configuration options`;
    throw new ConfigError("CONFIG_INVALID", [...issues.map((i) => i.message), summary].join("\n"), issues);
  }
  return { documents, cmdlinePorts, ignored };
}

function issue(doc: ConfigDocument, line: DirectiveLine, problem: string): ConfigIssue {
  const where = doc.file === "command-line" ? "command-line" : `${doc.file} line ${line.line}`;
  return { file: doc.file, line: line.line, keyword: line.keyword, message: `${where}: ${problem}` };
}

/**
 * The settings in force for one connection: the global values (first wins), then the first value of each keyword
 * in the Match blocks that match the connection, which overrides the global one — sshd's rule. With no
 * connection (at startup), Match blocks are skipped.
 *
 * @example
 * ```ts no-run
 * const config = loadSshdConfig("sshd_config", [], []);
 * resolveSshdSettings(config, { user: "bob", addr: "10.0.0.1" }).clientAliveInterval;
 * ```
 */
export function resolveSshdSettings(config: SshdConfig, connection?: ConnectionSpec): SshdSettings {
  const settings = defaultSettings();
  const globalSet = new Set<string>(config.cmdlinePorts.length > 0 ? ["port:cmdline"] : []);
  settings.port.push(...config.cmdlinePorts);
  const matchSettings = defaultSettings();
  const matchSet = new Set<string>();
  for (const doc of config.documents) {
    let active: "global" | "match" | "skip" = "global";
    for (const line of doc.lines) {
      if (line.kind !== "directive") continue;
      if (line.key === "match") {
        active = connection !== undefined && matchServerCriteria(line.args, connection) === true ? "match" : "skip";
        continue;
      }
      const keyword = KEYWORDS.get(line.key);
      if (keyword?.apply === undefined || active === "skip") continue;
      if (active === "global") keyword.apply(settings, line.args, globalSet);
      else keyword.apply(matchSettings, line.args, matchSet);
    }
  }
  for (const key of matchSet)
    (settings as unknown as Record<string, unknown>)[key] = matchSettings[key as keyof SshdSettings];
  if (settings.port.length === 0) settings.port.push(22);
  return settings;
}
