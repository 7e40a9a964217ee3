import { convtime } from "../_time.ts";
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";
import { asciiLower } from "../parse.ts";
import { matchPattern } from "../pattern.ts";
import type { Assignment } from "../source.ts";
import { algorithms, supportedFor } from "./_algorithms.ts";
import { parseTunnelDevice } from "./_checks.ts";
import { ALGORITHM_DEFAULTS } from "./_defaults.ts";
import { formatIpqos } from "./_ipqos.ts";
import { sha1Hex } from "./_sha1.ts";
import type { ResolvedClientConfig } from "./config.ts";
import { formatProxyJump, parseProxyJump } from "./jump.ts";
import { percentExpand } from "./percent.ts";

/** readconf.c's multistate tables as `fmt_multistate_int` prints them: each word → the first word of its value. */
const MULTISTATE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  yesnoask: { true: "true", yes: "true", false: "false", no: "false", ask: "ask" },
  strict: {
    true: "true",
    yes: "true",
    false: "false",
    no: "false",
    off: "false",
    ask: "ask",
    "accept-new": "accept-new",
  },
  yesnoaskconfirm: { true: "true", yes: "true", false: "false", no: "false", ask: "ask", confirm: "confirm" },
  addressfamily: { inet: "inet", inet6: "inet6", any: "any" },
  controlmaster: {
    true: "true",
    yes: "true",
    false: "false",
    no: "false",
    auto: "auto",
    ask: "ask",
    autoask: "autoask",
  },
  // SSH_TUNMODE_DEFAULT is SSH_TUNMODE_POINTOPOINT, so yes prints as point-to-point.
  tunnel: {
    ethernet: "ethernet",
    "point-to-point": "point-to-point",
    true: "point-to-point",
    yes: "point-to-point",
    false: "false",
    no: "false",
  },
  requesttty: { true: "true", yes: "true", false: "false", no: "false", force: "force", auto: "auto" },
  sessiontype: { none: "none", subsystem: "subsystem", default: "default" },
  canonicalize: { true: "true", yes: "true", false: "false", no: "false", always: "always" },
  pubkey: { true: "true", yes: "true", false: "false", no: "false", unbound: "unbound", "host-bound": "host-bound" },
  flag: { true: "yes", yes: "yes", false: "no", no: "no" },
  tcpkeepalive: { true: "true", yes: "true", false: "false", no: "false", all: "all" },
  warnweakcrypto: { true: "yes", yes: "yes", false: "no", no: "no", "no-pq-kex": "no" },
  fingerprint: { md5: "MD5", sha1: "SHA1", sha256: "SHA256", sha384: "SHA384", sha512: "SHA512" },
};

type Line =
  | readonly ["fmt", string, keyof typeof MULTISTATE, string]
  | readonly ["int", string, number]
  | readonly ["time", string, number]
  | readonly ["string", string, (string | undefined)?]
  | readonly ["each", string]
  | readonly ["oneline", string, string]
  | readonly ["special", string];

/** dump_client_config's lines in order, for one release (Debian's GSSAPI lines where its package has them). */
function layout(version: OpenSshVersion): Line[] {
  const v10 = opensshAtLeast(version, "10.0");
  const v106 = opensshAtLeast(version, "10.5");
  const gss: Line[] = v106
    ? []
    : [
        ["fmt", "gssapiauthentication", "flag", "no"],
        ["fmt", "gssapikeyexchange", "flag", "no"],
        ["fmt", "gssapidelegatecredentials", "flag", "no"],
        ["fmt", "gssapitrustdns", "flag", "no"],
        ["fmt", "gssapirenewalforcesrekey", "flag", "no"],
        ["string", "gssapikexalgorithms", ALGORITHM_DEFAULTS[version].gssapikexalgorithms],
      ];
  const alg = (name: string): Line => ["string", name, ALGORITHM_DEFAULTS[version][name]];
  return [
    ["special", "host"],
    ["special", "user"],
    ["special", "hostname"],
    ["special", "port"],
    ["fmt", "addressfamily", "addressfamily", "any"],
    ["fmt", "batchmode", "flag", "no"],
    ["fmt", "canonicalizefallbacklocal", "flag", "yes"],
    ["fmt", "canonicalizehostname", "canonicalize", "false"],
    ["fmt", "checkhostip", "flag", "no"],
    ["fmt", "compression", "flag", "no"],
    ["fmt", "controlmaster", "controlmaster", "false"],
    ["fmt", "enablesshkeysign", "flag", "no"],
    ["fmt", "clearallforwardings", "flag", "no"],
    ["fmt", "exitonforwardfailure", "flag", "no"],
    ["fmt", "fingerprinthash", "fingerprint", "SHA256"],
    ["fmt", "forwardx11", "flag", "no"],
    ["fmt", "forwardx11trusted", "flag", "yes"],
    ["fmt", "gatewayports", "flag", "no"],
    ...gss,
    ["fmt", "hashknownhosts", "flag", "no"],
    ["fmt", "hostbasedauthentication", "flag", "no"],
    ["fmt", "identitiesonly", "flag", "no"],
    ["fmt", "kbdinteractiveauthentication", "flag", "yes"],
    ["fmt", "nohostauthenticationforlocalhost", "flag", "no"],
    ["fmt", "passwordauthentication", "flag", "yes"],
    ["fmt", "permitlocalcommand", "flag", "no"],
    ["fmt", "proxyusefdpass", "flag", "no"],
    ["fmt", "pubkeyauthentication", "pubkey", "true"],
    ["fmt", "requesttty", "requesttty", "auto"],
    ["fmt", "sessiontype", "sessiontype", "default"],
    ["fmt", "stdinnull", "flag", "no"],
    ["fmt", "forkafterauthentication", "flag", "no"],
    ["fmt", "streamlocalbindunlink", "flag", "no"],
    ["fmt", "stricthostkeychecking", "strict", "ask"],
    ["fmt", "tcpkeepalive", v106 ? "tcpkeepalive" : "flag", v106 ? "true" : "yes"],
    ["fmt", "tunnel", "tunnel", "false"],
    ["fmt", "verifyhostkeydns", "yesnoask", "false"],
    ["fmt", "visualhostkey", "flag", "no"],
    ["special", "updatehostkeys"],
    ["fmt", "enableescapecommandline", "flag", "no"],
    ...(v106 ? [["fmt", "warnweakcrypto", "warnweakcrypto", "yes"] as const] : []),
    ["int", "canonicalizemaxdots", 1],
    ["int", "connectionattempts", 1],
    ["time", "forwardx11timeout", 1200],
    ["int", "numberofpasswordprompts", 3],
    ["int", "serveralivecountmax", 3],
    ["time", "serveraliveinterval", 0],
    ["int", "requiredrsasize", 1024],
    ...(v10 ? [["special", "obscurekeystroketiming"] as const] : []),
    ["string", "bindaddress"],
    ["string", "bindinterface"],
    alg("ciphers"),
    ["special", "controlpath"],
    alg("hostkeyalgorithms"),
    ["string", "hostkeyalias"],
    alg("hostbasedacceptedalgorithms"),
    ["special", "identityagent"],
    ["string", "ignoreunknown"],
    ["string", "kbdinteractivedevices"],
    alg("kexalgorithms"),
    alg("casignaturealgorithms"),
    ["special", "localcommand"],
    ["special", "remotecommand"],
    ["special", "loglevel"],
    alg("macs"),
    ["special", "pkcs11provider"],
    ["special", "securitykeyprovider"],
    ["string", "preferredauthentications"],
    alg("pubkeyacceptedalgorithms"),
    ...(v106 ? [] : [["special", "revokedhostkeys"] as const]),
    ["string", "xauthlocation", "/usr/bin/xauth"],
    ["special", "knownhostscommand"],
    ...(v10 ? [["string", "tag"] as const, ["special", "versionaddendum"] as const] : []),
    ["special", "dynamicforward"],
    ["special", "localforward"],
    ["special", "remoteforward"],
    ["special", "identityfile"],
    ["oneline", "canonicaldomains", "none"],
    ["special", "certificatefile"],
    ["oneline", "globalknownhostsfile", "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2"],
    ["special", "userknownhostsfile"],
    ...(v106 ? [["special", "revokedhostkeys"] as const] : []),
    ["special", "sendenv"],
    ["special", "setenv"],
    ["oneline", "logverbose", "none"],
    ...(v10 ? [["oneline", "channeltimeout", "none"] as const] : []),
    ["oneline", "permitremoteopen", "any"],
    ["special", "addkeystoagent"],
    ["special", "forwardagent"],
    ["special", "connecttimeout"],
    ["special", "tunneldevice"],
    ["oneline", v106 ? "canonicalizepermittedcnames" : "canonicalizePermittedcnames", "none"],
    ["special", "controlpersist"],
    ["special", "escapechar"],
    ["special", "ipqos"],
    ["special", "rekeylimit"],
    ["special", "streamlocalbindmask"],
    ["special", "syslogfacility"],
    ["special", "proxy"],
  ];
}

const LOG_LEVELS = ["QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3"];
const FACILITIES = ["DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0", "LOCAL1", "LOCAL2"];

/**
 * Options for {@linkcode formatClientConfig}.
 *
 * @example
 * ```ts
 * import type { FormatClientConfigOptions } from "@tsalive/config";
 * const exactlySsh: FormatClientConfigOptions = { extensions: false };
 * ```
 */
export interface FormatClientConfigOptions {
  /**
   * Print tsalive's extension keywords (`heartbeat N`) after OpenSSH's lines when they are set. Default `true`;
   * `false` prints exactly what OpenSSH's `ssh -G` prints.
   */
  readonly extensions?: boolean | undefined;
}

/**
 * The effective client configuration as `ssh -G` of the resolved release prints it: every line, in OpenSSH's
 * order (readconf.c `dump_client_config`), with its default, including the Debian package's GSSAPI lines (9.2
 * and 10.0). tsalive's `Heartbeat`, when set, follows as `heartbeat N` (seconds), after OpenSSH's last line.
 *
 * Algorithm lists are assembled as kex_assemble_names does, against what the release supports. Not reproduced:
 * DNS (a CanonicalizePermittedCNAMEs rule makes ssh -G resolve the host name).
 *
 * @example
 * ```ts
 * import { formatClientConfig, resolveClientConfig } from "@tsalive/config";
 * const resolved = resolveClientConfig({
 *   host: "web", localUser: "me", home: "/home/me", openssh: "10.6",
 *   configFile: { file: "config", text: "Host web\n  Port 2222\n  Heartbeat 5\n" },
 * });
 * const text = formatClientConfig(resolved);
 * text.split("\n").slice(0, 4); // ["host web", "user me", "hostname web", "port 2222"]
 * text.trimEnd().split("\n").at(-1); // "heartbeat 5"
 * ```
 */
export function formatClientConfig(resolved: ResolvedClientConfig, options: FormatClientConfigOptions = {}): string {
  const { resolution } = resolved;
  const version = resolution.openssh;
  const o = resolution.options;
  const first = (key: string): Assignment | undefined => {
    const all = resolution.settings.get(key)?.assignments ?? [];
    return all[0];
  };
  const firstTime = (key: string): Assignment | undefined =>
    (resolution.settings.get(key)?.assignments ?? []).find((a) => a.args[0] !== "none");
  const arg = (key: string): string | undefined => first(key)?.args[0];
  const user = arg("user") ?? o.localUser;
  const tilde = (path: string): string =>
    path.startsWith("~/") ? `${o.home.replace(/\/$/, "")}${path.slice(1)}` : path === "~" ? o.home : path;
  const tokens: Record<string, string> = {
    h: resolution.hostName,
    n: resolution.originalHost,
    p: String(resolution.port),
    r: user,
    u: o.localUser,
    d: o.home,
    l: o.localHostname ?? "localhost",
    L: (o.localHostname ?? "localhost").split(".")[0] as string,
    i: String(o.uid ?? 0),
    k: arg("hostkeyalias") ?? resolution.originalHost,
  };
  // ssh.c: User is expanded first, then %C hashes this host, the host, the port, the user and the jump host.
  const userAssignment = first("user");
  const remoteUser =
    userAssignment && opensshAtLeast(version, "10.0") && userAssignment.source.kind !== "argument"
      ? (percentExpand(user, tokens).value ?? user)
      : user;
  tokens.r = remoteUser;
  const jump =
    resolution.proxy?.kind === "jump" ? parseProxyJump(resolution.proxy.assignment.value, version) : undefined;
  const jumpHost = jump && !jump.none ? (jump.hops[jump.hops.length - 1]?.host ?? "") : "";
  tokens.C = sha1Hex(`${tokens.l}${resolution.hostName}${resolution.port}${remoteUser}${jumpHost}`);
  tokens.j = jumpHost;
  const expand = (text: string): string => percentExpand(text, tokens).value ?? text;
  const out: string[] = [];
  const put = (key: string, value: string): undefined => {
    out.push(`${key} ${value}`);
  };
  for (const line of layout(version)) {
    const key = line[1];
    switch (line[0]) {
      case "fmt": {
        const word = arg(key);
        put(key, word === undefined ? line[3] : (MULTISTATE[line[2]]?.[asciiLower(word)] ?? word));
        break;
      }
      case "int": {
        const word = arg(key);
        put(key, word === undefined ? String(line[2]) : String(Number(word)));
        break;
      }
      case "time": {
        const word = firstTime(key)?.args[0];
        put(key, word === undefined ? String(line[2]) : String(convtime(word, version) ?? line[2]));
        break;
      }
      case "string": {
        const algorithmList = key in ALGORITHM_DEFAULTS[version] && key !== "gssapikexalgorithms";
        const value =
          algorithmList && line[2] !== undefined
            ? algorithms(arg(key), line[2], supportedFor(key, version))
            : (arg(key) ?? line[2]);
        // An algorithm list that assembled to nothing is left out (ssh has said so: see warnings).
        if (value !== undefined && value !== "") put(key, value);
        break;
      }
      case "each":
        for (const a of resolution.settings.get(key)?.assignments ?? []) {
          for (const value of key === "localforward" || key === "remoteforward" ? [a.args.join(" ")] : a.args)
            put(key, value);
        }
        break;
      case "oneline": {
        const a = first(asciiLower(key));
        put(key, a === undefined ? line[2] : a.args.join(" "));
        break;
      }
      case "special":
        special(key);
        break;
    }
  }
  if (options.extensions !== false) {
    const heartbeat = firstTime("heartbeat")?.args[0];
    if (heartbeat !== undefined) put("heartbeat", String(convtime(heartbeat, version) ?? 0));
  }
  return `${out.join("\n")}\n`;

  function special(key: string): undefined {
    switch (key) {
      case "host":
        return put(key, resolution.originalHost);
      case "user":
        return put(key, remoteUser);
      case "hostname":
        return put(key, resolution.hostName);
      case "port":
        return put(key, String(resolution.port));
      case "updatehostkeys": {
        const word = arg(key);
        if (word !== undefined) return put(key, MULTISTATE.yesnoask?.[asciiLower(word)] ?? word);
        const known = first("userknownhostsfile")?.args;
        const dns = asciiLower(arg("verifyhostkeydns") ?? "no");
        const defaultFiles = known === undefined;
        return put(key, defaultFiles && (dns === "no" || dns === "false") ? "true" : "false");
      }
      case "obscurekeystroketiming": {
        const value = first(key)?.value ?? "20";
        return put(key, value === "20" ? "yes" : value === "0" ? "no" : value);
      }
      case "pkcs11provider":
      case "securitykeyprovider": {
        // CLEAR_ON_NONE: `none` unsets these.
        const word = arg(key) ?? (key === "securitykeyprovider" ? "internal" : undefined);
        if (word !== undefined && word !== "none") put(key, word);
        return;
      }
      case "dynamicforward":
      case "localforward":
      case "remoteforward": {
        // add_local_forward/add_remote_forward skip a forwarding already there.
        const seen = new Set<string>();
        for (const a of resolution.settings.get(key)?.assignments ?? []) {
          const forward = a.args.map((part) => forwardPart(part)).join(" ");
          if (!seen.has(forward)) put(key, forward);
          seen.add(forward);
        }
        return;
      }
      case "sendenv": {
        // readconf.c: a `-pattern` removes what earlier lines added.
        let names: string[] = [];
        for (const a of resolution.settings.get(key)?.assignments ?? []) {
          for (const name of a.args) {
            if (name.startsWith("-")) names = names.filter((n) => !matchPattern(n, name.slice(1)));
            else names.push(name);
          }
        }
        for (const name of names) put(key, name);
        return;
      }
      case "setenv": {
        // readconf.c: only the first SetEnv line counts, and a name repeated in it is ignored.
        const seen = new Set<string>();
        for (const entry of first(key)?.args ?? []) {
          const name = entry.split("=")[0] ?? "";
          if (seen.has(name)) continue;
          seen.add(name);
          put(key, opensshAtLeast(version, "10.0") ? expand(entry) : entry);
        }
        return;
      }
      case "certificatefile": {
        // add_certificate_file skips a path already registered.
        const seen = new Set<string>();
        for (const a of resolution.settings.get(key)?.assignments ?? []) {
          const path = a.args[0] ?? "";
          if (!seen.has(path)) put(key, path);
          seen.add(path);
        }
        return;
      }
      case "tunneldevice": {
        const device = parseTunnelDevice(arg(key) ?? "any");
        return put(key, device === undefined ? "any:any" : `${device.local}:${device.remote}`);
      }
      case "streamlocalbindmask": {
        const masks = resolution.settings.get(key)?.assignments;
        const word = (opensshAtLeast(version, "10.5") ? masks?.[0] : masks?.at(-1))?.args[0];
        const mask = word === undefined ? 0o177 : Number.parseInt(word.trim(), 8);
        return put(key, `0${mask.toString(8)}`);
      }
      case "controlpath":
      case "identityagent":
      case "revokedhostkeys": {
        const a = first(key);
        if (a === undefined || (key !== "identityagent" && asciiLower(a.args[0] ?? "") === "none")) {
          return key === "revokedhostkeys" && opensshAtLeast(version, "10.5") ? put(key, "none") : undefined;
        }
        return put(key, a.args.map((p) => (asciiLower(p) === "none" ? p : expand(tilde(p)))).join(" "));
      }
      case "localcommand":
      case "knownhostscommand": {
        const command = first(key)?.value.replace(/^[ \t\r\n=]+/, "");
        if (command !== undefined && command !== "none") put(key, command);
        return;
      }
      case "remotecommand": {
        const command = first(key)?.value.replace(/^[ \t\r\n=]+/, "");
        if (command !== undefined && command !== "none") put(key, expand(command));
        return;
      }
      case "versionaddendum": {
        const a = first(key);
        if (a !== undefined) put(key, expand(a.value));
        return;
      }
      case "loglevel": {
        // log_level_name: the first name of the level (DEBUG1 is DEBUG), and QUIET prints as SILENT.
        const word = arg(key)?.toUpperCase() ?? "INFO";
        const level = LOG_LEVELS.find((l) => l === word) ?? "INFO";
        return put(key, level === "DEBUG1" ? "DEBUG" : level === "QUIET" ? "SILENT" : level);
      }
      case "syslogfacility": {
        const word = arg(key);
        return put(
          key,
          word === undefined ? "USER" : (FACILITIES.find((f) => f === word.toUpperCase()) ?? word.toUpperCase()),
        );
      }
      case "identityfile":
        for (const entry of resolution.identityFiles) put(key, entry.path);
        return;
      case "userknownhostsfile": {
        const files = first(key)?.args ?? ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
        return put(key, files.map((p) => expand(tilde(p))).join(" "));
      }
      case "forwardagent": {
        const word = arg(key);
        if (word === undefined) return put(key, "no");
        const state = MULTISTATE.flag?.[asciiLower(word)];
        return put(key, state ?? expand(tilde(word)));
      }
      case "connecttimeout": {
        const word = firstTime(key)?.args[0];
        return put(key, word === undefined ? "none" : String(convtime(word, version) ?? "none"));
      }
      case "controlpersist": {
        const word = arg(key);
        if (word === undefined) return put(key, "no");
        const state = MULTISTATE.flag?.[asciiLower(word)];
        if (state !== undefined) return put(key, state);
        // dump_client_config prints the flag when the timeout is 0, and ControlPersist 0 means yes.
        const seconds = convtime(word, version);
        return put(key, seconds === 0 ? "yes" : String(seconds ?? word));
      }
      case "escapechar": {
        const word = arg(key);
        if (word === undefined) return put(key, "~");
        if (word === "none") return put(key, "none");
        const code = word.length === 2 && word[0] === "^" ? word.charCodeAt(1) & 31 : word.charCodeAt(0);
        return put(key, visChar(code));
      }
      case "addkeystoagent": {
        const [state = "0", lifespan = "0"] = (first(key)?.value ?? "0 0").split(" ");
        const word = ["false", "true", "ask", "confirm"][Number(state)] ?? "false";
        if (Number(lifespan) <= 0) return put(key, word);
        return put(key, `${state === "3" ? "confirm " : ""}${lifespan}`);
      }
      case "ipqos": {
        const a = first(key);
        if (a === undefined) return put(key, ALGORITHM_DEFAULTS[version].ipqos ?? "");
        const [interactive = "0", bulk = interactive] = a.value.split(" ");
        return put(key, `${formatIpqos(Number(interactive), version)} ${formatIpqos(Number(bulk), version)}`);
      }
      case "rekeylimit": {
        // The limit and the interval are each first-wins on their own.
        const all = resolution.settings.get(key)?.assignments ?? [];
        const bytes = all[0]?.value.split(" ")[0] ?? "0";
        const interval = all.map((a) => a.value.split(" ")[1]).find((v) => v !== undefined && v !== "") ?? "0";
        return put(key, `${bytes} ${interval}`);
      }
      case "proxy": {
        const proxy = resolution.proxy;
        if (proxy === undefined || asciiLower(proxy.assignment.value) === "none") return;
        if (proxy.kind === "command") return put("proxycommand", proxy.assignment.value);
        const formatted = formatProxyJump(proxy.assignment.value, version);
        if (formatted !== undefined) put("proxyjump", formatted);
        return;
      }
    }
  }
}

/** dump_cfg_forwards: `[host]:port` for a host and port, the port alone, or a Unix socket path. */
function forwardPart(part: string): string {
  if (part.includes("/") && !/^\[/.test(part)) return part;
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(part);
  if (bracket) return `[${bracket[1]}]:${bracket[2]}`;
  const colon = part.lastIndexOf(":");
  return colon === -1 ? part : `[${part.slice(0, colon)}]:${part.slice(colon + 1)}`;
}

/** vis(3) of one byte with VIS_WHITE, as dump_client_config prints EscapeChar. */
function visChar(code: number): string {
  const meta = code >= 0x80 ? "M-" : "";
  const c = code & 0x7f;
  if (c === 0x20) return meta ? `\\M-\\040` : "\\040";
  if (c < 0x20) return `\\${meta}^${String.fromCharCode(c + 64)}`;
  if (c === 0x7f) return `\\${meta}^?`;
  if (c === 0x5c && !meta) return "\\\\";
  return meta ? `\\M-${String.fromCharCode(c)}` : String.fromCharCode(c);
}
