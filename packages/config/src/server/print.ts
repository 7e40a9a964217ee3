import { convtime } from "../_time.ts";
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";
import type { Assignment } from "../source.ts";
import { assembleAlgorithms, isAlgorithmList } from "./_algorithms.ts";
import { scanScaled } from "./_checks.ts";
import { LAST_WINS } from "./_last_wins.ts";
import { type PrintEntry, printedKeyword, printOrder } from "./_print_order.ts";
import { SSHD_DEFAULTS } from "./_sshd_defaults.ts";
import type { ResolvedServerConfig } from "./config.ts";
import { SERVER_EXTENSION_KEYWORDS, serverKeywords } from "./keywords.ts";
import type { ServerResolution } from "./resolve.ts";

/** How {@linkcode formatServerConfig} prints. */
export interface FormatServerConfigOptions {
  /**
   * The directory relative file names are made absolute against, as sshd does with its working directory
   * (`Banner rel` → `/cwd/rel`, and `//rel` from `/`, as sshd joins them). Default `/`.
   */
  readonly cwd?: string | undefined;
  /** The home directory `~/` expands to in file names (sshd's own user's). Default `/root`. */
  readonly home?: string | undefined;
  /** Ports that replace every Port line (`sshd -p`). */
  readonly ports?: readonly number[] | undefined;
  /**
   * Print tsalive's `Heartbeat` and `WatchdogTimeout` after sshd's lines (OpenSSH's sshd has no such lines).
   * Default `true` when the configuration sets either.
   */
  readonly extensions?: boolean | undefined;
}

type Pick = (key: string) => Assignment | undefined;

const CHOICE_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  addressfamily: { inet: "inet", inet6: "inet6", any: "any" },
  permitrootlogin: {
    "without-password": "without-password",
    "prohibit-password": "without-password",
    "forced-commands-only": "forced-commands-only",
    yes: "yes",
    no: "no",
  },
  ignorerhosts: { yes: "yes", no: "no", "shosts-only": "shosts-only" },
  compression: { yes: "yes", delayed: "yes", no: "no" },
  gatewayports: { clientspecified: "clientspecified", yes: "yes", no: "no" },
  allowtcpforwarding: { yes: "yes", all: "yes", no: "no", remote: "remote", local: "local" },
  allowstreamlocalforwarding: { yes: "yes", all: "yes", no: "no", remote: "remote", local: "local" },
};

const LEVELS: Readonly<Record<string, string>> = {
  quiet: "QUIET",
  fatal: "FATAL",
  error: "ERROR",
  info: "INFO",
  verbose: "VERBOSE",
  debug: "DEBUG",
  debug1: "DEBUG",
  debug2: "DEBUG2",
  debug3: "DEBUG3",
};

/** ipqos names (misc.c ipqos[]) and their DSCP/TOS values; iptos2str prints the first name of a value. */
const IPQOS: readonly (readonly [string, number])[] = [
  ["none", 0x100],
  ["af11", 0x28],
  ["af12", 0x30],
  ["af13", 0x38],
  ["af21", 0x48],
  ["af22", 0x50],
  ["af23", 0x58],
  ["af31", 0x68],
  ["af32", 0x70],
  ["af33", 0x78],
  ["af41", 0x88],
  ["af42", 0x90],
  ["af43", 0x98],
  ["cs0", 0x00],
  ["cs1", 0x20],
  ["cs2", 0x40],
  ["cs3", 0x60],
  ["cs4", 0x80],
  ["cs5", 0xa0],
  ["cs6", 0xc0],
  ["cs7", 0xe0],
  ["ef", 0xb8],
  ["le", 0x04],
  ["lowdelay", 0x10],
  ["throughput", 0x08],
  ["reliability", 0x04],
];

/** The IPv4 TOS names 10.0's Debian build deprecated: read as `none`, never printed. */
const TOS_NAMES = ["lowdelay", "throughput", "reliability"];

function iptos(word: string, version: OpenSshVersion): string {
  const lower = word.toLowerCase();
  const table = opensshAtLeast(version, "10.0") ? IPQOS.filter(([name]) => !TOS_NAMES.includes(name)) : IPQOS;
  if (table !== IPQOS && TOS_NAMES.includes(lower)) return "none";
  const named = table.find(([name]) => name === lower);
  const value = named ? named[1] : Number(word);
  const first = table.find(([, v]) => v === value);
  if (first) return first[0];
  return `0x${value.toString(16).padStart(2, "0")}`;
}

function derelativise(path: string, options: FormatServerConfigOptions): string {
  if (path.toLowerCase() === "none") return "none";
  let expanded = path;
  if (path === "~" || path.startsWith("~/")) expanded = `${options.home ?? "/root"}${path.slice(1)}`;
  if (expanded.startsWith("/")) return expanded;
  // Exactly as servconf.c joins them: `/` as the directory gives `//rel`.
  return `${options.cwd ?? "/"}/${expanded}`;
}

/** What sshd stores for a flag: yes or no (10.6 prints TCPKeepAlive and WarnWeakCrypto as true/false). */
function flagWord(arg: string): string {
  const lower = arg.toLowerCase();
  return lower === "true" ? "yes" : lower === "false" ? "no" : lower;
}

/** The settings of one pass: the Match pass (2) replaces what the global pass (1) said, as a whole. */
function assignments(resolution: ServerResolution, key: string): readonly Assignment[] {
  const all = resolution.settings.get(key)?.assignments ?? [];
  const match = all.filter((a) => a.pass === 2);
  return match.length > 0 ? match : all.filter((a) => a.pass === 1);
}

/**
 * The configuration as the chosen release's `sshd -T` prints it: every line, in sshd's order, with sshd's
 * defaults for everything not set, lower-case keywords and `yes`/`no` before 10.6, CamelCase keywords and
 * `true`/`false` for TCPKeepAlive and WarnWeakCrypto in 10.6. The release is the one the configuration was
 * resolved for (`openssh` of {@linkcode resolveServerConfig}). tsalive's `Heartbeat` and `WatchdogTimeout`, which
 * OpenSSH's sshd has no line for, come last when set.
 *
 * Algorithm lists are assembled as sshd assembles them (`+`, `-`, `^`, patterns). Not reproduced: `~user/` in
 * file names.
 *
 * @example
 * ```ts
 * import { formatServerConfig, resolveServerConfig } from "@tsalive/config";
 * const resolved = resolveServerConfig({
 *   config: { file: "sshd_config", text: "LoginGraceTime 1m\nWatchdogTimeout 15\n" },
 *   openssh: "10.6",
 *   extensions: null,
 * });
 * const text = formatServerConfig(resolved);
 * text.split("\n")[6]; // "LoginGraceTime 60"
 * text.includes("\nTCPKeepAlive true\n"); // true
 * text.endsWith("WatchdogTimeout 15\n"); // true
 * ```
 */
export function formatServerConfig(resolved: ResolvedServerConfig, options: FormatServerConfigOptions = {}): string {
  const { resolution } = resolved;
  const version = resolution.openssh;
  const keywords = serverKeywords(version);
  const defaults = SSHD_DEFAULTS[version];
  const lastWins = LAST_WINS[version];
  const pick: Pick = (key) => {
    const list = assignments(resolution, key);
    return lastWins.includes(key) ? list[list.length - 1] : list[0];
  };
  const out: string[] = [];
  const name = (key: string) => printedKeyword(version, key, keywords.get(key)?.name ?? key);
  for (const entry of printOrder(version)) {
    const key = entry.key;
    for (const value of lineValues(entry, resolved, pick, options, version)) {
      out.push(`${name(key)} ${value ?? defaults[key] ?? "none"}`);
    }
  }
  const extensions =
    options.extensions ?? [...SERVER_EXTENSION_KEYWORDS.keys()].some((k) => resolution.settings.has(k));
  if (extensions) {
    const v = resolved.values;
    const spell = (n: string) => (opensshAtLeast(version, "10.6") ? n : n.toLowerCase());
    out.push(`${spell("Heartbeat")} ${v.heartbeat}`, `${spell("WatchdogTimeout")} ${v.watchdogTimeout}`);
  }
  return `${out.join("\n")}\n`;
}

/** The value(s) of one entry: `undefined` for the default, an empty list for no line at all. */
function lineValues(
  entry: PrintEntry,
  resolved: ResolvedServerConfig,
  pick: Pick,
  options: FormatServerConfigOptions,
  version: OpenSshVersion,
): readonly (string | undefined)[] {
  const { key } = entry;
  const { resolution, values } = resolved;
  const a = pick(key);
  const arg = a?.args[0];
  const modern = opensshAtLeast(version, "10.6");
  switch (entry.kind) {
    case "ports":
      return (options.ports ?? values.port).map(String);
    case "listen": {
      const ports = options.ports ?? values.port;
      const format = (host: string, p: number) => (host.includes(":") ? `[${host}]:${p}` : `${host}:${p}`);
      if (values.listenAddress.length === 0) return ports.flatMap((p) => [format("::", p), format("0.0.0.0", p)]);
      return values.listenAddress.flatMap((l) =>
        l.port !== undefined ? [format(l.host, l.port)] : ports.map((p) => format(l.host, p)),
      );
    }
    case "hostkey":
      // With no HostKey line sshd lists its default keys; 10.6 adds the ML-DSA hybrid key, which tsalive's typed
      // value leaves out (ssh2 cannot load it).
      if (!resolution.settings.has("hostkey") && opensshAtLeast(version, "10.6")) {
        return [...values.hostKey, "/etc/ssh/ssh_host_mldsa44_ed25519_key"];
      }
      return values.hostKey.map((k) => derelativise(k, options));
    case "int":
      return [arg === undefined ? undefined : String(Number(arg))];
    case "time":
      return [arg === undefined ? undefined : String(convtime(arg))];
    case "unused":
      return [values.unusedConnectionTimeout === 0 ? "none" : String(values.unusedConnectionTimeout)];
    case "octal": {
      if (arg === undefined) return [undefined];
      const match = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)/.exec(arg);
      return [`0${Number.parseInt(match?.[2] ?? "0", 8).toString(8)}`];
    }
    case "flag":
      return [arg === undefined ? undefined : flagWord(arg)];
    case "bool": {
      if (arg === undefined) return [undefined];
      const word = flagWord(arg);
      return [modern ? ({ yes: "true", transport: "true", no: "false" }[word] ?? word) : word];
    }
    case "choice": {
      if (arg === undefined) return [undefined];
      const lower = arg.toLowerCase();
      if (key === "permitrootlogin" && modern && (lower === "without-password" || lower === "prohibit-password")) {
        return ["prohibit-password"];
      }
      return [CHOICE_NAMES[key]?.[lower] ?? lower];
    }
    case "string":
      return [isAlgorithmList(key) ? assembleAlgorithms(key, arg, version) : arg];
    case "path":
      if (arg === undefined) return [undefined];
      if (key === "hostkeyagent" && arg === "SSH_AUTH_SOCK") return [arg];
      if (key === "securitykeyprovider" && arg.toLowerCase() === "internal") return [arg];
      return [derelativise(arg, options)];
    case "rest":
      return [a === undefined ? undefined : a.value.replace(/^[ \t]+/, "")];
    case "level":
      return [arg === undefined ? undefined : (LEVELS[arg.toLowerCase()] ?? arg.toUpperCase())];
    case "facility":
    case "hash":
      return [arg?.toUpperCase()];
    case "oneline":
      if (a === undefined) return [];
      return [key === "revokedkeys" ? a.args.map((p) => derelativise(p, options)).join(" ") : a.args.join(" ")];
    case "always-oneline":
      return [a?.args.join(" ")];
    case "lines": {
      const all =
        key === "hostcertificate"
          ? (resolution.settings.get(key)?.assignments ?? []).filter((x) => x.pass === 1)
          : assignments(resolution, key);
      const list = all.flatMap((x) => x.args);
      return key === "hostcertificate" ? list.map((p) => derelativise(p, options)) : list;
    }
    case "first-lines":
      return a?.args ?? [];
    case "subsystem": {
      // 10.0 on keep the first definition of a name (9.2 refuses a second one).
      const seen = new Set<string>();
      return assignments(resolution, key)
        .filter((x) => !seen.has(x.args[0] ?? "") && seen.add(x.args[0] ?? ""))
        .map((x) => x.args.join(" "));
    }
    case "maxstartups": {
      if (a === undefined || arg === undefined) return [undefined];
      const [begin, rate, full] = arg.split(":");
      if (full !== undefined) return [`${begin}:${rate}:${full}`];
      // servconf.c's sscanf("%d:%d:%d") of a single number sets begin and full and leaves the rate where an earlier
      // `begin:rate:full` line put it (a release reading the last line sees the earlier ones too).
      const earlier = assignments(resolution, key);
      const before = earlier.slice(0, earlier.indexOf(a)).reverse();
      const spec = before.find((x) => (x.args[0] ?? "").split(":").length === 3)?.args[0];
      const first = Number.parseInt(begin ?? "", 10);
      return [`${first}:${spec === undefined ? 30 : Number.parseInt(spec.split(":")[1] ?? "", 10)}:${first}`];
    }
    case "persourcemaxstartups":
      return [arg === undefined ? undefined : arg.toLowerCase() === "none" ? "none" : String(Number(arg))];
    case "netblock": {
      if (arg === undefined) return [undefined];
      const [v4, v6] = arg.split(":");
      return [`${Number(v4)}:${v6 === undefined ? (modern ? 128 : 0) : Number(v6)}`];
    }
    case "tunnel": {
      if (arg === undefined) return [undefined];
      return [arg];
    }
    case "ipqos":
      if (a === undefined) return [undefined];
      return [`${iptos(a.args[0] ?? "", version)} ${iptos(a.args[1] ?? a.args[0] ?? "", version)}`];
    case "rekeylimit": {
      if (a === undefined) return [undefined];
      const size = (a.args[0] ?? "").toLowerCase() === "default" ? "0" : String(scanScaled(a.args[0] ?? "") ?? 0n);
      // The size and the interval are two values, each taken from the first line that gives it (an interval
      // of "none" gives none, so a Match block's "none" keeps the global interval).
      const gives = (x: Assignment) => x.args.length > 1 && x.args[1] !== "none";
      const interval =
        assignments(resolution, key).find(gives)?.args[1] ??
        (resolution.settings.get(key)?.assignments ?? []).find((x) => x.pass === 1 && gives(x))?.args[1];
      const seconds = interval === undefined ? "0" : String(convtime(interval));
      return [`${size} ${seconds}`];
    }
    case "permitopen":
      // A PermitListen entry that is only a port listens on every address: sshd prints it as `*:port`.
      return [
        a?.args
          .map((w) => (key === "permitlisten" && /^[^:]*$/.test(w) && !["any", "none"].includes(w) ? `*:${w}` : w))
          .join(" "),
      ];
    case "userenv": {
      if (arg === undefined) return [undefined];
      const lower = arg.toLowerCase();
      return [lower === "yes" || lower === "no" ? lower : arg];
    }
    case "pubkeyauthoptions": {
      if (a === undefined) return [undefined];
      const words = a.args.map((w) => w.toLowerCase());
      const flags = ["touch-required", "verify-required"].filter((w) => words.includes(w));
      if (flags.length > 0) return [flags.join(" ")];
      // 10.6 adds max-pk-ok:N (default 6), printed only beside "none".
      const maxPkOk = words.find((w) => w.startsWith("max-pk-ok:"))?.slice(10);
      return [modern ? `none max-pk-ok:${maxPkOk === undefined ? 6 : Number(maxPkOk)}` : "none"];
    }
    case "penalties":
      return [
        penalties(
          (resolution.settings.get(key)?.assignments ?? []).filter((x) => x.pass === 1),
          version,
        ),
      ];
  }
}

/**
 * PerSourcePenalties as sshd prints it: every line counts, each `name:value` word once (the first one wins) and
 * it turns penalties on; `no` turns them off only where nothing has set them yet.
 */
function penalties(lines: readonly Assignment[], version: OpenSshVersion): string | undefined {
  if (lines.length === 0) return undefined;
  const shown = (SSHD_DEFAULTS[version].persourcepenalties ?? "").split(" ");
  const float = opensshAtLeast(version, "10.6");
  const set = new Set<string>();
  let enabled: boolean | undefined;
  for (const word of lines.flatMap((a) => a.args)) {
    const lower = word.toLowerCase();
    if (lower === "no" || lower === "yes") {
      enabled ??= lower === "yes";
      continue;
    }
    enabled = true;
    const colon = word.indexOf(":");
    const name = word.slice(0, colon);
    const at = shown.findIndex((w) => w.startsWith(`${name}:`));
    if (colon === -1 || at === -1 || set.has(name)) continue;
    set.add(name);
    const raw = word.slice(colon + 1);
    const numeric = !name.startsWith("overflow") && !name.startsWith("max-sources");
    const value = numeric ? String(convtime(raw)) : raw;
    shown[at] = `${name}:${numeric && float ? `${value}.000000` : value}`;
  }
  // overflow6 follows overflow unless set itself (servconf.c's defaults).
  const overflow = shown.find((w) => w.startsWith("overflow:"));
  const at6 = shown.findIndex((w) => w.startsWith("overflow6:"));
  if (set.has("overflow") && !set.has("overflow6") && overflow && at6 !== -1) {
    shown[at6] = `overflow6:${overflow.slice(9)}`;
  }
  return enabled === false ? "no" : shown.join(" ");
}
