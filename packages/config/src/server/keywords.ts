/**
 * Every keyword sshd knows (servconf.c `keywords[]`), for each OpenSSH release tsalive is exact to, whether it is
 * allowed inside `Match`, and how its value is read. Built as Debian builds each release: 9.2 and 10.0 with PAM,
 * Kerberos, GSSAPI and Debian's GSSAPI key exchange and `DebianBanner` patches; 10.6 (forky's `openssh-server`)
 * with PAM and without Kerberos or GSSAPI, whose keywords it logs as `Unsupported option`. Measured against each
 * release's `sshd -T` (test/keywords.server.test.ts).
 *
 * @module
 */
import { DEFAULT_OPENSSH_VERSION, OPENSSH_VERSIONS, type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";

/**
 * How a keyword's arguments are read, after servconf.c's `goto parse_*` labels:
 * - `flag`: `yes` or `no` (any case; sshd has no `true`/`false`);
 * - `choice`: one word of {@linkcode SERVER_CHOICES}`[choices]`;
 * - `time`: a convtime value; `int`: a non-negative C int (`KEYWORD integer value invalid.`);
 * - `file`: one file name (`missing file name.`);
 * - `word` / `words2`: one (or up to two) arguments kept as written; LogLevel, SyslogFacility, PermitTunnel and
 *   FingerprintHash are checked against sshd's words, other values are not;
 * - `list`: one or more arguments kept as written (sshd's own checks for these are not reproduced);
 * - `special`: read by the resolver itself (Port, ListenAddress, HostKey, AuthorizedKeysFile, ChannelTimeout,
 *   UnusedConnectionTimeout, PermitOpen, PermitListen, RDomain, Include, Match);
 * - `deprecated` / `unsupported` / `ignore`: accepted and ignored (sshd logs `Deprecated option X`).
 */
export type ServerKeywordKind =
  | "flag"
  | "choice"
  | "time"
  | "int"
  | "file"
  | "word"
  | "words2"
  | "list"
  | "special"
  | "deprecated"
  | "unsupported"
  | "ignore";

/**
 * One sshd_config keyword: the name `sshd -T` prints it with (lower case, as sshd prints every keyword), how its
 * value is read, and whether it may appear inside a `Match` block (`SSHCFG_MATCH`).
 */
export interface ServerKeyword {
  /** The keyword as the sshd_config manual spells it. */
  readonly name: string;
  readonly kind: ServerKeywordKind;
  /** Allowed inside `Match`; anything else there fails with `Directive 'X' is not allowed within a Match block`. */
  readonly match: boolean;
  /** For `choice`: the key of {@linkcode SERVER_CHOICES}. */
  readonly choices?: keyof typeof SERVER_CHOICES;
  /** Another keyword this one is an alias of (lower case), e.g. `keepalive` → `tcpkeepalive`. */
  readonly alias?: string;
  /** The first release that knows it (older ones say `Bad configuration option`); absent: every release. */
  readonly since?: OpenSshVersion;
  /** The first release that no longer knows it; absent: still known. */
  readonly until?: OpenSshVersion;
}

/**
 * The multistate tables of servconf.c: the words each kind of option accepts (case-insensitive).
 *
 * @example
 * ```ts
 * import { SERVER_CHOICES } from "./keywords.ts";
 * SERVER_CHOICES.permitrootlogin.includes("prohibit-password"); // true
 * ```
 */
export const SERVER_CHOICES = {
  addressfamily: ["inet", "inet6", "any"],
  permitrootlogin: ["without-password", "prohibit-password", "forced-commands-only", "yes", "no"],
  ignorerhosts: ["yes", "no", "shosts-only"],
  compression: ["yes", "delayed", "no"],
  gatewayports: ["clientspecified", "yes", "no"],
  tcpfwd: ["yes", "all", "no", "remote", "local"],
  /** 10.6's booleans (TCPKeepAlive, WarnWeakCrypto) also take true and false. */
  bool: ["yes", "no", "true", "false"],
  /** 10.6's TCPKeepAlive: transport (= yes, the default), all (forwarding sockets too), no. */
  tcpkeepalive: ["yes", "no", "true", "false", "transport", "all"],
} as const satisfies Record<string, readonly string[]>;

type Row = readonly [
  name: string,
  kind: ServerKeywordKind,
  match: boolean,
  extra?: {
    choices?: keyof typeof SERVER_CHOICES;
    alias?: string;
    since?: OpenSshVersion;
    until?: OpenSshVersion;
    /** From this release on the keyword is allowed inside `Match` (Subsystem, 10.0). */
    matchSince?: OpenSshVersion;
    /** From this release on the keyword is read as this kind instead (10.6 has no Kerberos or GSSAPI). */
    later?: readonly [OpenSshVersion, ServerKeywordKind];
  },
];

/** Kerberos and GSSAPI are not built into 10.6's sshd: it logs `Unsupported option X` and ignores them. */
const NO_GSS = { later: ["10.6", "unsupported"] } as const;
const DEBIAN_GSSKEX = { until: "10.6" } as const;

const G = false; // SSHCFG_GLOBAL
const A = true; // SSHCFG_ALL

const ROWS: readonly Row[] = [
  ["UsePAM", "flag", G],
  ["PAMServiceName", "word", A, { since: "10.0" }],
  ["PAMAuthenticationViaKbdInt", "deprecated", G, { until: "10.6" }],
  ["Port", "special", G],
  ["HostKey", "special", G],
  ["HostDSAKey", "special", G, { alias: "hostkey" }],
  ["HostKeyAgent", "word", G],
  ["PidFile", "file", G],
  ["ModuliFile", "file", G],
  ["ServerKeyBits", "deprecated", G],
  ["LoginGraceTime", "time", G],
  ["KeyRegenerationInterval", "deprecated", G],
  ["PermitRootLogin", "choice", A, { choices: "permitrootlogin" }],
  ["SyslogFacility", "word", G],
  ["LogLevel", "word", A],
  ["LogVerbose", "list", A],
  ["RhostsAuthentication", "deprecated", G],
  ["RhostsRSAAuthentication", "deprecated", A],
  ["HostbasedAuthentication", "flag", A],
  ["HostbasedUsesNameFromPacketOnly", "flag", A],
  ["HostbasedAcceptedAlgorithms", "word", A],
  ["HostbasedAcceptedKeyTypes", "word", A, { alias: "hostbasedacceptedalgorithms" }],
  ["HostKeyAlgorithms", "word", G],
  ["RSAAuthentication", "deprecated", A],
  ["PubkeyAuthentication", "flag", A],
  ["PubkeyAcceptedAlgorithms", "word", A],
  ["PubkeyAcceptedKeyTypes", "word", A, { alias: "pubkeyacceptedalgorithms" }],
  ["PubkeyAuthOptions", "list", A],
  ["DSAAuthentication", "flag", G, { alias: "pubkeyauthentication" }],
  ["KerberosAuthentication", "flag", A, NO_GSS],
  ["KerberosOrLocalPasswd", "flag", G, NO_GSS],
  ["KerberosTicketCleanup", "flag", G, NO_GSS],
  ["KerberosGetAFSToken", "unsupported", G],
  ["KerberosTGTPassing", "unsupported", G, { later: ["10.6", "deprecated"] }],
  ["AFSTokenPassing", "unsupported", G, { later: ["10.6", "deprecated"] }],
  ["GSSAPIAuthentication", "flag", A, NO_GSS],
  ["GSSAPICleanupCredentials", "flag", G, NO_GSS],
  ["GSSAPICleanupCreds", "flag", G, { alias: "gssapicleanupcredentials", ...DEBIAN_GSSKEX }],
  ["GSSAPIDelegateCredentials", "unsupported", G, { since: "10.6" }],
  ["GSSAPIStrictAcceptorCheck", "flag", G, NO_GSS],
  ["GSSAPIKeyExchange", "flag", G, DEBIAN_GSSKEX],
  ["GSSAPIStoreCredentialsOnRekey", "flag", G, DEBIAN_GSSKEX],
  ["GSSAPIKexAlgorithms", "word", G, DEBIAN_GSSKEX],
  ["GSSAPIUseSessionCredCache", "unsupported", G, DEBIAN_GSSKEX],
  ["PasswordAuthentication", "flag", A],
  ["KbdInteractiveAuthentication", "flag", A],
  ["ChallengeResponseAuthentication", "flag", A, { alias: "kbdinteractiveauthentication" }],
  ["SkeyAuthentication", "flag", A, { alias: "kbdinteractiveauthentication" }],
  ["CheckMail", "deprecated", G],
  ["ListenAddress", "special", G],
  ["AddressFamily", "choice", G, { choices: "addressfamily" }],
  ["PrintMotd", "flag", G],
  ["PrintLastLog", "flag", G],
  ["IgnoreRhosts", "choice", A, { choices: "ignorerhosts" }],
  ["IgnoreUserKnownHosts", "flag", G],
  ["X11Forwarding", "flag", A],
  ["X11DisplayOffset", "int", A],
  ["X11UseLocalhost", "flag", A],
  ["XAuthLocation", "file", G],
  ["StrictModes", "flag", G],
  ["PermitEmptyPasswords", "flag", A],
  ["PermitUserEnvironment", "word", G],
  ["UseLogin", "deprecated", G],
  ["Compression", "choice", G, { choices: "compression" }],
  ["RekeyLimit", "words2", A],
  ["TCPKeepAlive", "flag", G, { later: ["10.6", "choice"], choices: "tcpkeepalive" }],
  ["KeepAlive", "flag", G, { alias: "tcpkeepalive", later: ["10.6", "choice"], choices: "tcpkeepalive" }],
  ["AllowTcpForwarding", "choice", A, { choices: "tcpfwd" }],
  ["AllowAgentForwarding", "flag", A],
  ["AllowUsers", "list", A],
  ["DenyUsers", "list", A],
  ["AllowGroups", "list", A],
  ["DenyGroups", "list", A],
  ["Ciphers", "word", G],
  ["MACs", "word", G],
  ["Protocol", "ignore", G],
  ["GatewayPorts", "choice", A, { choices: "gatewayports" }],
  ["Subsystem", "list", G, { matchSince: "10.0" }],
  ["MaxStartups", "word", G],
  ["PerSourceMaxStartups", "word", G],
  ["PerSourceNetBlockSize", "word", G],
  ["PerSourcePenalties", "list", G, { since: "10.0" }],
  ["PerSourcePenaltyExemptList", "word", G, { since: "10.0" }],
  ["MaxAuthTries", "int", A],
  ["MaxSessions", "int", A],
  ["Banner", "file", A],
  ["UseDNS", "flag", G],
  ["VerifyReverseMapping", "deprecated", G],
  ["ReverseMappingCheck", "deprecated", G],
  ["ClientAliveInterval", "time", A],
  ["ClientAliveCountMax", "int", A],
  ["AuthorizedKeysFile", "special", A],
  ["AuthorizedKeysFile2", "deprecated", A],
  ["UsePrivilegeSeparation", "deprecated", G],
  ["AcceptEnv", "list", A],
  ["SetEnv", "list", A],
  ["PermitTunnel", "word", A],
  ["PermitTTY", "flag", A],
  ["PermitUserRC", "flag", A],
  ["Match", "special", A],
  ["PermitOpen", "special", A],
  ["PermitListen", "special", A],
  ["ForceCommand", "list", A],
  ["ChrootDirectory", "word", A],
  ["HostCertificate", "word", G],
  ["RevokedKeys", "file", A, { later: ["10.6", "list"] }],
  ["TrustedUserCAKeys", "file", A],
  ["AuthorizedPrincipalsFile", "word", A],
  ["KexAlgorithms", "word", G],
  ["Include", "special", A],
  ["IPQoS", "words2", A],
  ["AuthorizedKeysCommand", "list", A],
  ["AuthorizedKeysCommandUser", "word", A],
  ["AuthorizedPrincipalsCommand", "list", A],
  ["AuthorizedPrincipalsCommandUser", "word", A],
  ["VersionAddendum", "list", G],
  ["AuthenticationMethods", "list", A],
  ["StreamLocalBindMask", "word", A],
  ["StreamLocalBindUnlink", "flag", A],
  ["AllowStreamLocalForwarding", "choice", A, { choices: "tcpfwd" }],
  ["FingerprintHash", "word", G],
  ["DisableForwarding", "flag", A],
  ["ExposeAuthInfo", "flag", A],
  ["RDomain", "special", A],
  ["CASignatureAlgorithms", "word", A],
  ["SecurityKeyProvider", "word", G],
  ["RequiredRSASize", "int", A],
  ["ChannelTimeout", "special", A],
  ["UnusedConnectionTimeout", "special", A],
  ["SshdSessionPath", "file", G, { since: "10.0" }],
  ["SshdAuthPath", "file", G, { since: "10.0" }],
  ["RefuseConnection", "flag", A, { since: "10.0" }],
  ["DebianBanner", "flag", G],
  ["WarnWeakCrypto", "choice", G, { since: "10.6", choices: "bool" }],
  ["AgentSocketPath", "word", A, { since: "10.6" }],
];

function table(rows: readonly Row[], version: OpenSshVersion): ReadonlyMap<string, ServerKeyword> {
  const map = new Map<string, ServerKeyword>();
  for (const [name, kind0, match0, extra = {}] of rows) {
    const { later, matchSince, since, until, ...rest } = extra;
    if (since !== undefined && !opensshAtLeast(version, since)) continue;
    if (until !== undefined && opensshAtLeast(version, until)) continue;
    const kind = later !== undefined && opensshAtLeast(version, later[0]) ? later[1] : kind0;
    const match = match0 || (matchSince !== undefined && opensshAtLeast(version, matchSince));
    map.set(name.toLowerCase(), {
      name,
      kind,
      match,
      ...rest,
      ...(since !== undefined && { since }),
      ...(until !== undefined && { until }),
    });
  }
  return map;
}

const TABLES = new Map(OPENSSH_VERSIONS.map((version) => [version, table(ROWS, version)]));

/**
 * Every sshd_config keyword `version`'s sshd knows, keyed by its lower-case name (sshd compares keywords with
 * `strcasecmp`). A keyword missing here is one that release answers with `Bad configuration option`.
 *
 * @example
 * ```ts
 * import { serverKeywords } from "@tsalive/config";
 * serverKeywords("10.0").get("refuseconnection"); // { name: "RefuseConnection", kind: "flag", match: true, since: "10.0" }
 * serverKeywords("9.2").has("persourcepenalties"); // false
 * serverKeywords("10.6").get("gssapiauthentication")?.kind; // "unsupported"
 * ```
 */
export function serverKeywords(version: OpenSshVersion = DEFAULT_OPENSSH_VERSION): ReadonlyMap<string, ServerKeyword> {
  return TABLES.get(version) ?? (TABLES.get(DEFAULT_OPENSSH_VERSION) as ReadonlyMap<string, ServerKeyword>);
}

/**
 * Every sshd_config keyword of OpenSSH 9.2, keyed by its lower-case name (sshd compares keywords with
 * `strcasecmp`); {@linkcode serverKeywords} gives any release's.
 *
 * @example
 * ```ts
 * import { SERVER_KEYWORDS } from "./keywords.ts";
 * SERVER_KEYWORDS.get("clientaliveinterval"); // { name: "ClientAliveInterval", kind: "time", match: true }
 * SERVER_KEYWORDS.get("port")?.match; // false: not allowed inside Match
 * ```
 */
export const SERVER_KEYWORDS: ReadonlyMap<string, ServerKeyword> = serverKeywords("9.2");

/**
 * The keywords tsalive adds to sshd_config (from the 2001 Heartbeat/Watchdog patch for OpenSSH): `Heartbeat N`
 * (an SSH_MSG_IGNORE after N seconds of outbound silence) and `WatchdogTimeout N` (end the session after N seconds
 * of inbound silence). tsalive reads them in sshd_config itself, where the seed documents them, and in the separate
 * `tsalive_config`. OpenSSH's sshd rejects them (`Bad configuration option: WatchdogTimeout`) and has no
 * `IgnoreUnknown`, so a file the real sshd must also read keeps them in `tsalive_config`; the `strict` option
 * refuses them as sshd does. Both are time values (seconds, convtime units allowed), 0 = off, allowed in `Match`.
 *
 * @example
 * ```ts
 * import { SERVER_EXTENSION_KEYWORDS } from "./keywords.ts";
 * SERVER_EXTENSION_KEYWORDS.get("watchdogtimeout"); // { name: "WatchdogTimeout", kind: "time", match: true }
 * ```
 */
export const SERVER_EXTENSION_KEYWORDS: ReadonlyMap<string, ServerKeyword> = new Map([
  ["heartbeat", { name: "Heartbeat", kind: "time", match: true }],
  ["watchdogtimeout", { name: "WatchdogTimeout", kind: "time", match: true }],
]);
