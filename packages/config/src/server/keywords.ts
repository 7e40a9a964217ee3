/**
 * Every keyword OpenSSH 9.2's sshd knows (servconf.c `keywords[]`), whether it is allowed inside `Match`, and how
 * its value is read. Built as Debian and most distributions build it: with PAM, Kerberos and GSSAPI, without AFS.
 * Keywords of distribution patches (Debian's `DebianBanner`, `GSSAPIKeyExchange`, …) are not here: upstream sshd
 * rejects them.
 *
 * @module
 */

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
}

/**
 * The multistate tables of servconf.c: the words each kind of option accepts (case-insensitive).
 *
 * @example
 * ```ts
 * import { SERVER_CHOICES } from "@tsalive/config";
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
} as const satisfies Record<string, readonly string[]>;

type Row = readonly [
  name: string,
  kind: ServerKeywordKind,
  match: boolean,
  extra?: { choices?: keyof typeof SERVER_CHOICES; alias?: string },
];

const G = false; // SSHCFG_GLOBAL
const A = true; // SSHCFG_ALL

const ROWS: readonly Row[] = [
  ["UsePAM", "flag", G],
  ["PAMAuthenticationViaKbdInt", "deprecated", G],
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
  ["KerberosAuthentication", "flag", A],
  ["KerberosOrLocalPasswd", "flag", G],
  ["KerberosTicketCleanup", "flag", G],
  ["KerberosGetAFSToken", "unsupported", G],
  ["KerberosTGTPassing", "unsupported", G],
  ["AFSTokenPassing", "unsupported", G],
  ["GSSAPIAuthentication", "flag", A],
  ["GSSAPICleanupCredentials", "flag", G],
  ["GSSAPIStrictAcceptorCheck", "flag", G],
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
  ["TCPKeepAlive", "flag", G],
  ["KeepAlive", "flag", G, { alias: "tcpkeepalive" }],
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
  ["Subsystem", "list", G],
  ["MaxStartups", "word", G],
  ["PerSourceMaxStartups", "word", G],
  ["PerSourceNetBlockSize", "word", G],
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
  ["RevokedKeys", "file", A],
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
];

function table(rows: readonly Row[]): ReadonlyMap<string, ServerKeyword> {
  const map = new Map<string, ServerKeyword>();
  for (const [name, kind, match, extra] of rows) {
    map.set(name.toLowerCase(), { name, kind, match, ...(extra ?? {}) });
  }
  return map;
}

/**
 * Every sshd_config keyword of OpenSSH 9.2, keyed by its lower-case name (sshd compares keywords with
 * `strcasecmp`).
 *
 * @example
 * ```ts
 * import { SERVER_KEYWORDS } from "@tsalive/config";
 * SERVER_KEYWORDS.get("clientaliveinterval"); // { name: "ClientAliveInterval", kind: "time", match: true }
 * SERVER_KEYWORDS.get("port")?.match; // false: not allowed inside Match
 * ```
 */
export const SERVER_KEYWORDS: ReadonlyMap<string, ServerKeyword> = table(ROWS);

/**
 * The keywords tsalive adds to sshd_config (from the 2001 Heartbeat/Watchdog patch for OpenSSH). OpenSSH's sshd
 * rejects them (`Bad configuration option: WatchdogTimeout`) and has no `IgnoreUnknown`, so they are read only
 * from tsalive's own extension file (see `resolveServerConfig`'s `extensions`), never from sshd_config itself.
 * Both are time values (seconds, convtime units allowed), 0 = off, and both are allowed inside `Match`.
 *
 * @example
 * ```ts
 * import { SERVER_EXTENSION_KEYWORDS } from "@tsalive/config";
 * SERVER_EXTENSION_KEYWORDS.get("watchdogtimeout"); // { name: "WatchdogTimeout", kind: "time", match: true }
 * ```
 */
export const SERVER_EXTENSION_KEYWORDS: ReadonlyMap<string, ServerKeyword> = table([
  ["Heartbeat", "time", A],
  ["WatchdogTimeout", "time", A],
]);
