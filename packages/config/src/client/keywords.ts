/**
 * Every keyword each supported OpenSSH release's ssh knows (readconf.c `keywords[]`), with how its value is read,
 * as Debian builds it: 9.2 and 10.0 with GSSAPI and Debian's GSSAPI key-exchange patch (`GSSAPIKeyExchange`, …),
 * 10.6 without GSSAPI (its `GSSAPIAuthentication` is an `Unsupported option`, the key-exchange keywords are bad
 * options). Debian's `ProtocolKeepAlives` (another name of ServerAliveInterval) and `SetupTimeOut` (ignored by the
 * 9.2 package, another name of ConnectTimeout from 10.0, as `ssh -G` shows) are accepted by all three.
 *
 * @module
 */
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";

/**
 * The multistate tables of readconf.c: the words each kind of option accepts (case-insensitive).
 *
 * @example
 * ```ts
 * import { CLIENT_CHOICES } from "./keywords.ts";
 * CLIENT_CHOICES.stricthostkey.includes("accept-new"); // true
 * ```
 */
export const CLIENT_CHOICES = {
  flag: ["true", "false", "yes", "no"],
  yesnoask: ["true", "false", "yes", "no", "ask"],
  stricthostkey: ["true", "false", "yes", "no", "ask", "off", "accept-new"],
  addressfamily: ["inet", "inet6", "any"],
  controlmaster: ["true", "yes", "false", "no", "auto", "ask", "autoask"],
  tunnel: ["ethernet", "point-to-point", "true", "yes", "false", "no"],
  requesttty: ["true", "yes", "false", "no", "force", "auto"],
  sessiontype: ["none", "subsystem", "default"],
  warnweakcrypto: ["true", "false", "yes", "no", "no-pq-kex"],
  tcpkeepalive: ["true", "false", "yes", "no", "all"],
  canonicalizehostname: ["true", "false", "yes", "no", "always"],
  pubkeyauth: ["true", "false", "yes", "no", "unbound", "host-bound"],
  compression: ["yes", "no"],
} as const satisfies Record<string, readonly string[]>;

/**
 * How a keyword's arguments are read, after readconf.c's `goto parse_*` labels:
 * - `flag`, `time`, `int`, `string`: one argument, checked as OpenSSH checks it, first value wins;
 * - `choice`: one word of {@linkcode CLIENT_CHOICES}`[choices]`;
 * - `command`: the rest of the line verbatim (`ProxyCommand`, `LocalCommand`, …);
 * - `word`: one argument kept as written (with OpenSSH's check where it is cheap: LogLevel, EscapeChar, …);
 * - `list`: one or more arguments, kept as written (OpenSSH's own checks for these are not reproduced);
 * - `special`: handled by the resolver itself (Host, Match, Include, Port, IdentityFile, ProxyJump, …);
 * - `deprecated` / `ignore`: accepted and ignored (OpenSSH logs a debug message);
 * - `unsupported`: accepted with OpenSSH's `Unsupported option` message, not counted as an error.
 */
export type ClientKeywordKind =
  | "flag"
  | "time"
  | "int"
  | "string"
  | "choice"
  | "word"
  | "command"
  | "list"
  | "special"
  | "deprecated"
  | "ignore"
  | "unsupported";

/** One row of the keyword table. */
export interface ClientKeyword {
  /** The keyword as the manual spells it. */
  readonly name: string;
  readonly kind: ClientKeywordKind;
  /** For `choice`: which table of {@linkcode CLIENT_CHOICES}. */
  readonly choices?: keyof typeof CLIENT_CHOICES;
  /** Every active occurrence adds to the value instead of the first one winning. */
  readonly accumulates?: boolean;
}

const rows: ReadonlyArray<readonly [string, ClientKeywordKind, (keyof typeof CLIENT_CHOICES | "acc")?]> = [
  ["Protocol", "ignore"],
  ["Cipher", "deprecated"],
  ["FallBackToRsh", "deprecated"],
  ["GlobalKnownHostsFile2", "deprecated"],
  ["RhostsAuthentication", "deprecated"],
  ["UserKnownHostsFile2", "deprecated"],
  ["UseRoaming", "deprecated"],
  ["UseRsh", "deprecated"],
  ["UsePrivilegedPort", "deprecated"],
  ["AFSTokenPassing", "unsupported"],
  ["KerberosAuthentication", "unsupported"],
  ["ProtocolKeepAlives", "time"],
  ["SetupTimeOut", "ignore"],
  ["KerberosTGTPassing", "unsupported"],
  ["RSAAuthentication", "unsupported"],
  ["RhostsRSAAuthentication", "unsupported"],
  ["CompressionLevel", "unsupported"],
  ["GSSAPIAuthentication", "flag"],
  ["GSSAPIDelegateCredentials", "flag"],
  ["PKCS11Provider", "string"],
  ["SmartcardDevice", "string"],
  ["ForwardAgent", "special"],
  ["ForwardX11", "flag"],
  ["ForwardX11Trusted", "flag"],
  ["ForwardX11Timeout", "time"],
  ["ExitOnForwardFailure", "flag"],
  ["XAuthLocation", "string"],
  ["GatewayPorts", "flag"],
  ["PasswordAuthentication", "flag"],
  ["KbdInteractiveAuthentication", "flag"],
  ["KbdInteractiveDevices", "string"],
  ["ChallengeResponseAuthentication", "flag"],
  ["SkeyAuthentication", "flag"],
  ["TISAuthentication", "flag"],
  ["PubkeyAuthentication", "choice", "pubkeyauth"],
  ["DSAAuthentication", "choice", "pubkeyauth"],
  ["HostbasedAuthentication", "flag"],
  ["IdentityFile", "special", "acc"],
  ["IdentityFile2", "special", "acc"],
  ["IdentitiesOnly", "flag"],
  ["CertificateFile", "word", "acc"],
  ["AddKeysToAgent", "special"],
  ["IdentityAgent", "word"],
  ["HostName", "special"],
  ["HostKeyAlias", "string"],
  ["ProxyCommand", "special"],
  ["Port", "special"],
  ["Ciphers", "word"],
  ["MACs", "word"],
  ["RemoteForward", "list", "acc"],
  ["LocalForward", "list", "acc"],
  ["PermitRemoteOpen", "list"],
  ["User", "string"],
  ["Host", "special"],
  ["Match", "special"],
  ["EscapeChar", "word"],
  ["GlobalKnownHostsFile", "list"],
  ["UserKnownHostsFile", "list"],
  ["ConnectionAttempts", "int"],
  ["BatchMode", "flag"],
  ["CheckHostIP", "flag"],
  ["StrictHostKeyChecking", "choice", "stricthostkey"],
  ["Compression", "choice", "compression"],
  ["TCPKeepAlive", "flag"],
  ["KeepAlive", "flag"],
  ["NumberOfPasswordPrompts", "int"],
  ["SyslogFacility", "word"],
  ["LogLevel", "word"],
  ["LogVerbose", "list"],
  ["DynamicForward", "word", "acc"],
  ["PreferredAuthentications", "string"],
  ["HostKeyAlgorithms", "word"],
  ["CASignatureAlgorithms", "word"],
  ["BindAddress", "string"],
  ["BindInterface", "string"],
  ["ClearAllForwardings", "flag"],
  ["EnableSSHKeysign", "flag"],
  ["VerifyHostKeyDNS", "choice", "yesnoask"],
  ["NoHostAuthenticationForLocalhost", "flag"],
  ["RekeyLimit", "special"],
  ["ConnectTimeout", "time"],
  ["AddressFamily", "choice", "addressfamily"],
  ["ServerAliveInterval", "time"],
  ["ServerAliveCountMax", "int"],
  ["SendEnv", "list", "acc"],
  ["SetEnv", "list", "acc"],
  ["ControlPath", "string"],
  ["ControlMaster", "choice", "controlmaster"],
  ["ControlPersist", "word"],
  ["HashKnownHosts", "flag"],
  ["Include", "special"],
  ["Tunnel", "choice", "tunnel"],
  ["TunnelDevice", "word"],
  ["LocalCommand", "command"],
  ["PermitLocalCommand", "flag"],
  ["RemoteCommand", "command"],
  ["VisualHostKey", "flag"],
  ["KexAlgorithms", "word"],
  ["IPQoS", "special"],
  ["RequestTTY", "choice", "requesttty"],
  ["SessionType", "choice", "sessiontype"],
  ["StdinNull", "flag"],
  ["ForkAfterAuthentication", "flag"],
  ["ProxyUseFdpass", "flag"],
  ["CanonicalDomains", "list"],
  ["CanonicalizeFallbackLocal", "flag"],
  ["CanonicalizeHostname", "choice", "canonicalizehostname"],
  ["CanonicalizeMaxDots", "int"],
  ["CanonicalizePermittedCNAMEs", "list"],
  ["StreamLocalBindMask", "word"],
  ["StreamLocalBindUnlink", "flag"],
  ["RevokedHostKeys", "string"],
  ["FingerprintHash", "word"],
  ["UpdateHostKeys", "choice", "yesnoask"],
  ["HostbasedAcceptedAlgorithms", "word"],
  ["HostbasedKeyTypes", "word"],
  ["PubkeyAcceptedAlgorithms", "word"],
  ["PubkeyAcceptedKeyTypes", "word"],
  ["IgnoreUnknown", "string"],
  ["ProxyJump", "special"],
  ["SecurityKeyProvider", "string"],
  ["KnownHostsCommand", "command"],
  ["RequiredRSASize", "int"],
  ["EnableEscapeCommandline", "flag"],
];

/**
 * The keyword table, keyed by lower-cased keyword (how readconf.c looks keywords up).
 *
 * @example
 * ```ts
 * import { CLIENT_KEYWORDS } from "./keywords.ts";
 * CLIENT_KEYWORDS.get("serveraliveinterval"); // { name: "ServerAliveInterval", kind: "time" }
 * ```
 */
export const CLIENT_KEYWORDS: ReadonlyMap<string, ClientKeyword> = buildTable(rows);

function buildTable(
  table: ReadonlyArray<readonly [string, ClientKeywordKind, (keyof typeof CLIENT_CHOICES | "acc")?]>,
): Map<string, ClientKeyword> {
  return new Map(
    table.map(([name, kind, extra]) => {
      const row: ClientKeyword =
        extra === "acc"
          ? { name, kind, accumulates: true }
          : extra === undefined
            ? { name, kind }
            : { name, kind, choices: extra };
      return [name.toLowerCase(), row] as const;
    }),
  );
}

/** Debian's GSSAPI key-exchange patch (9.2 and 10.0 packages). */
const debianGssapi: typeof rows = [
  ["GSSAPIKeyExchange", "flag"],
  ["GSSAPIClientIdentity", "string"],
  ["GSSAPIServerIdentity", "string"],
  ["GSSAPITrustDns", "flag"],
  ["GSSAPIRenewalForcesRekey", "flag"],
  ["GSSAPIKexAlgorithms", "word"],
];

const tables = new Map<OpenSshVersion, ReadonlyMap<string, ClientKeyword>>();

/**
 * The keyword table of one OpenSSH release, keyed by lower-cased keyword: 9.2's {@linkcode CLIENT_KEYWORDS} plus
 * what later releases added (9.4 `Tag`; 9.5 `ObscureKeystrokeTiming`; 9.6 `ChannelTimeout`; 9.9 `VersionAddendum`;
 * 10.1 `RefuseConnection`; 10.1 `WarnWeakCrypto`), with each Debian build's GSSAPI keywords.
 *
 * @example
 * ```ts
 * import { clientKeywords } from "@tsalive/config";
 * clientKeywords("10.0").has("tag"); // true
 * clientKeywords("9.2").has("tag"); // false
 * ```
 */
export function clientKeywords(version: OpenSshVersion): ReadonlyMap<string, ClientKeyword> {
  let table = tables.get(version);
  if (table) return table;
  const added: (typeof rows)[number][] = [];
  if (opensshAtLeast(version, "9.4")) added.push(["Tag", "string"]);
  if (opensshAtLeast(version, "9.5")) added.push(["ObscureKeystrokeTiming", "special"]);
  if (opensshAtLeast(version, "9.6")) added.push(["ChannelTimeout", "special"]);
  if (opensshAtLeast(version, "9.9")) added.push(["VersionAddendum", "special"]);
  if (opensshAtLeast(version, "10.1")) {
    added.push(["RefuseConnection", "special"], ["WarnWeakCrypto", "choice", "warnweakcrypto"]);
  }
  // 10.6: built without GSSAPI; TCPKeepAlive also takes `all`.
  const base = opensshAtLeast(version, "10.5")
    ? rows.map((row): (typeof rows)[number] =>
        row[0] === "GSSAPIAuthentication" || row[0] === "GSSAPIDelegateCredentials"
          ? [row[0], "unsupported"]
          : row[0] === "TCPKeepAlive" || row[0] === "KeepAlive"
            ? [row[0], "choice", "tcpkeepalive"]
            : row,
      )
    : [...rows, ...debianGssapi];
  // Debian's SetupTimeOut: ignored by the 9.2 package, ConnectTimeout from 10.0.
  const debian = opensshAtLeast(version, "10.0")
    ? base.map((row): (typeof rows)[number] => (row[0] === "SetupTimeOut" ? [row[0], "time"] : row))
    : base;
  table = buildTable([...debian, ...added]);
  tables.set(version, table);
  return table;
}

/**
 * The keywords tsalive adds to ssh_config (from the 2001 Heartbeat/Watchdog patch for OpenSSH). OpenSSH's ssh
 * rejects them unless `IgnoreUnknown` lists them, so by default tsalive does too: a file tsalive accepts is one
 * ssh accepts.
 *
 * @example
 * ```ts
 * import { CLIENT_EXTENSION_KEYWORDS } from "./keywords.ts";
 * CLIENT_EXTENSION_KEYWORDS.get("heartbeat"); // { name: "Heartbeat", kind: "time" }
 * ```
 */
export const CLIENT_EXTENSION_KEYWORDS: ReadonlyMap<string, ClientKeyword> = new Map([
  ["heartbeat", { name: "Heartbeat", kind: "time" }],
]);

/**
 * Keywords that are other names of one option (readconf.c maps them to the same opcode): they share one value,
 * recorded under the canonical keyword.
 *
 * @example
 * ```ts
 * import { CLIENT_ALIASES } from "./keywords.ts";
 * CLIENT_ALIASES.get("keepalive"); // "tcpkeepalive"
 * ```
 */
export const CLIENT_ALIASES: ReadonlyMap<string, string> = new Map([
  ["keepalive", "tcpkeepalive"],
  ["identityfile2", "identityfile"],
  ["challengeresponseauthentication", "kbdinteractiveauthentication"],
  ["skeyauthentication", "kbdinteractiveauthentication"],
  ["tisauthentication", "kbdinteractiveauthentication"],
  ["dsaauthentication", "pubkeyauthentication"],
  ["smartcarddevice", "pkcs11provider"],
  ["hostbasedkeytypes", "hostbasedacceptedalgorithms"],
  ["pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"],
  ["protocolkeepalives", "serveraliveinterval"],
  ["setuptimeout", "connecttimeout"],
]);
