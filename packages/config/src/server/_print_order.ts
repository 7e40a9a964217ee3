/**
 * The lines `sshd -T` prints, in servconf.c `dump_config`'s order, for each release as Debian builds it: 9.2 and
 * 10.0 with Kerberos, GSSAPI and Debian's GSSAPI key exchange patch; 10.0 on with `DebianBanner`; 10.6 without
 * Kerberos or GSSAPI, with its CamelCase keyword spelling.
 *
 * @module
 */
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";

/**
 * How one printed line gets its value:
 * - `ports`, `listen`, `hostkey`: computed from every Port / ListenAddress / HostKey line;
 * - `int`, `time`, `unused`, `octal`, `flag`, `bool` (10.6's `true`/`false`), `choice`: one typed value;
 * - `string`, `path` (made absolute as derelativise_path does), `rest` (the rest of the line as written);
 * - `level`, `facility`, `hash`: sshd's upper-case names;
 * - `oneline` (every argument of the first line on one line, skipped when unset), `always-oneline` (printed
 *   with its default when unset), `lines` (every argument of every line, one line each), `first-lines` (the
 *   first line's arguments, one line each), `subsystem`;
 * - the remaining kinds are one keyword each with sshd's own format.
 */
export type PrintKind =
  | "ports"
  | "listen"
  | "hostkey"
  | "int"
  | "time"
  | "unused"
  | "octal"
  | "flag"
  | "bool"
  | "choice"
  | "string"
  | "path"
  | "rest"
  | "level"
  | "facility"
  | "hash"
  | "oneline"
  | "always-oneline"
  | "lines"
  | "first-lines"
  | "subsystem"
  | "maxstartups"
  | "persourcemaxstartups"
  | "netblock"
  | "tunnel"
  | "ipqos"
  | "rekeylimit"
  | "permitopen"
  | "userenv"
  | "pubkeyauthoptions"
  | "penalties";

/** One line (or group of lines) of the dump: the lower-case keyword, how it is printed, when it exists. */
export interface PrintEntry {
  readonly key: string;
  readonly kind: PrintKind;
  /** Printed from this release on. */
  readonly since?: OpenSshVersion;
  /** No longer printed from this release on. */
  readonly until?: OpenSshVersion;
}

const GSS = { until: "10.6" } as const;
const E = (key: string, kind: PrintKind, when: { since?: OpenSshVersion; until?: OpenSshVersion } = {}) => ({
  key,
  kind,
  ...when,
});

const ORDER: readonly PrintEntry[] = [
  E("port", "ports"),
  E("addressfamily", "choice"),
  E("listenaddress", "listen"),
  E("usepam", "flag"),
  E("pamservicename", "string", { since: "10.0" }),
  E("logingracetime", "time"),
  E("x11displayoffset", "int"),
  E("maxauthtries", "int"),
  E("maxsessions", "int"),
  E("clientaliveinterval", "time"),
  E("clientalivecountmax", "int"),
  E("requiredrsasize", "int"),
  E("streamlocalbindmask", "octal"),
  E("unusedconnectiontimeout", "unused"),
  E("permitrootlogin", "choice"),
  E("ignorerhosts", "choice"),
  E("ignoreuserknownhosts", "flag"),
  E("hostbasedauthentication", "flag"),
  E("hostbasedusesnamefrompacketonly", "flag"),
  E("pubkeyauthentication", "flag"),
  E("kerberosauthentication", "flag", GSS),
  E("kerberosorlocalpasswd", "flag", GSS),
  E("kerberosticketcleanup", "flag", GSS),
  E("gssapiauthentication", "flag", GSS),
  E("gssapicleanupcredentials", "flag", GSS),
  E("gssapikeyexchange", "flag", GSS),
  E("gssapistrictacceptorcheck", "flag", GSS),
  E("gssapistorecredentialsonrekey", "flag", GSS),
  E("gssapikexalgorithms", "string", GSS),
  E("passwordauthentication", "flag"),
  E("kbdinteractiveauthentication", "flag"),
  E("printmotd", "flag"),
  E("printlastlog", "flag"),
  E("x11forwarding", "flag"),
  E("x11uselocalhost", "flag"),
  E("permittty", "flag"),
  E("permituserrc", "flag"),
  E("strictmodes", "flag"),
  E("tcpkeepalive", "bool"),
  E("permitemptypasswords", "flag"),
  E("compression", "choice"),
  E("gatewayports", "choice"),
  E("usedns", "flag"),
  E("allowtcpforwarding", "choice"),
  E("allowagentforwarding", "flag"),
  E("disableforwarding", "flag"),
  E("allowstreamlocalforwarding", "choice"),
  E("streamlocalbindunlink", "flag"),
  E("fingerprinthash", "hash"),
  E("exposeauthinfo", "flag"),
  E("warnweakcrypto", "bool", { since: "10.6" }),
  E("refuseconnection", "flag", { since: "10.0" }),
  E("debianbanner", "flag", { since: "10.0" }),
  E("pidfile", "path"),
  E("modulifile", "path"),
  E("xauthlocation", "path"),
  E("ciphers", "string"),
  E("macs", "string"),
  E("banner", "path"),
  E("forcecommand", "rest"),
  E("chrootdirectory", "string"),
  E("trustedusercakeys", "path"),
  E("revokedkeys", "path", { until: "10.6" }),
  E("securitykeyprovider", "path"),
  E("authorizedprincipalsfile", "string"),
  E("versionaddendum", "rest"),
  E("authorizedkeyscommand", "rest"),
  E("authorizedkeyscommanduser", "string"),
  E("authorizedprincipalscommand", "rest"),
  E("authorizedprincipalscommanduser", "string"),
  E("hostkeyagent", "path"),
  E("kexalgorithms", "string"),
  E("casignaturealgorithms", "string"),
  E("hostbasedacceptedalgorithms", "string"),
  E("hostkeyalgorithms", "string"),
  E("pubkeyacceptedalgorithms", "string"),
  E("sshdsessionpath", "path", { since: "10.0" }),
  E("sshdauthpath", "path", { since: "10.0" }),
  E("persourcepenaltyexemptlist", "string", { since: "10.0" }),
  E("agentsocketpath", "string", { since: "10.6" }),
  E("loglevel", "level"),
  E("syslogfacility", "facility"),
  E("authorizedkeysfile", "always-oneline"),
  E("revokedkeys", "oneline", { since: "10.6" }),
  E("hostkey", "hostkey"),
  E("hostcertificate", "lines"),
  E("allowusers", "lines"),
  E("denyusers", "lines"),
  E("allowgroups", "lines"),
  E("denygroups", "lines"),
  E("acceptenv", "lines"),
  E("setenv", "first-lines"),
  E("authenticationmethods", "always-oneline"),
  E("logverbose", "oneline"),
  E("channeltimeout", "oneline", { until: "10.0" }),
  E("channeltimeout", "always-oneline", { since: "10.0" }),
  E("subsystem", "subsystem"),
  E("maxstartups", "maxstartups"),
  E("persourcemaxstartups", "persourcemaxstartups"),
  E("persourcenetblocksize", "netblock"),
  E("permittunnel", "tunnel"),
  E("ipqos", "ipqos"),
  E("rekeylimit", "rekeylimit"),
  E("permitopen", "permitopen"),
  E("permitlisten", "permitopen"),
  E("permituserenvironment", "userenv"),
  E("pubkeyauthoptions", "pubkeyauthoptions"),
  E("persourcepenalties", "penalties", { since: "10.0" }),
];

/** The entries `version`'s `sshd -T` prints, in order. */
export function printOrder(version: OpenSshVersion): readonly PrintEntry[] {
  return ORDER.filter(
    (e) =>
      (e.since === undefined || opensshAtLeast(version, e.since)) &&
      (e.until === undefined || !opensshAtLeast(version, e.until)),
  );
}

/** 10.6 prints each keyword as its servconf.h entry spells it; where that is not the manual's spelling. */
const SPELLING_106: Readonly<Record<string, string>> = { macs: "Macs" };

/** The keyword as `version`'s `sshd -T` prints it: lower case before 10.6, CamelCase from 10.6. */
export function printedKeyword(version: OpenSshVersion, key: string, manualName: string): string {
  if (!opensshAtLeast(version, "10.6")) return key;
  return SPELLING_106[key] ?? manualName;
}
