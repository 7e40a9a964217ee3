import { expandIncludeGlob } from "../_glob.ts";
import { MatchFailure } from "../_match_failure.ts";
import { readConfigFile } from "../_read.ts";
import { convtime, INT_MAX } from "../_time.ts";
import { a2port, parseServices, SERVICE_PORTS, strtonum } from "../_values.ts";
import { ConfigError, type ConfigIssue, displayName } from "../errors.ts";
import { type ConfigFileSystem, memoryFileSystem } from "../fs.ts";
import { type OpenSshVersion, opensshAtLeast, opensshVersion } from "../openssh_version.ts";
import { type ConfigDocument, type ConfigLine, parseConfig, parseLine } from "../parse.ts";
import type { Assignment, ValueSource } from "../source.ts";
import { checkAlgorithms, isAlgorithmList } from "./_algorithms.ts";
import { checkServerValue } from "./_checks.ts";
import { evaluateServerMatch, type MatchContext } from "./_match.ts";
import type { ServerConnection } from "./connection.ts";
import { SERVER_CHOICES, SERVER_EXTENSION_KEYWORDS, type ServerKeyword, serverKeywords } from "./keywords.ts";

/** Config text held in memory, with the name to use in messages and provenance. */
export interface ServerConfigText {
  readonly text: string;
  readonly file?: string;
}

/** A config file path (read through `fs`), or text. */
export type ServerConfigInput = string | ServerConfigText;

/** sshd's directory for relative `Include` paths (SSHDIR). */
export const SSHD_CONFIG_DIR = "/etc/ssh";
/** The default sshd_config. */
export const SSHD_CONFIG_FILE = "/etc/ssh/sshd_config";
/** The default tsalive extension file, read next to sshd_config when it exists. */
export const TSALIVE_CONFIG_FILE = "/etc/ssh/tsalive_config";

/**
 * What `sshd -T -f FILE -o … -C …` takes, plus tsalive's extension file.
 */
export interface ResolveServerOptions {
  /** The sshd_config (`-f`): a path read through `fs`, or text. Default `/etc/ssh/sshd_config`. */
  config?: ServerConfigInput | undefined;
  /** `-o` options, in order, each one config line (`"ClientAliveInterval=15"`); read before the file. */
  options?: readonly string[] | undefined;
  /** The connection to resolve `Match` blocks for (`-C`). Without it no criterion but `All` matches. */
  connection?: ServerConnection | undefined;
  /**
   * tsalive's extension file: `Heartbeat` and `WatchdogTimeout` (plus `Match` and `Include`), which OpenSSH's
   * sshd would reject, so they never go into sshd_config itself. A path, text, or `null` for none. Default
   * `/etc/ssh/tsalive_config` when it exists (a missing default is not an error; a missing named file is).
   */
  extensions?: ServerConfigInput | null | undefined;
  /** Where paths are read from. Default: an empty file system (pass `nodeFileSystem` to read real files). */
  fs?: ConfigFileSystem | undefined;
  /**
   * The groups of a user for `Match Group` (primary and supplementary names), or `undefined` when the user does
   * not exist. Default: read `/etc/passwd` and `/etc/group` through `fs` ({@linkcode fileGroups}), which with
   * `nodeFileSystem` is what sshd's getgrouplist finds for local users; pass your own for NSS (LDAP, sssd).
   */
  groups?: ((user: string) => readonly string[] | undefined) | undefined;
  /**
   * The OpenSSH release whose sshd_config semantics apply: its keywords and defaults, its `Match` grammar
   * (`criteria=arg`, `invalid-user` and `version` from 10.0), what it says about a newer keyword (`Bad
   * configuration option`). Default {@linkcode DEFAULT_OPENSSH_VERSION}, the newest.
   */
  openssh?: OpenSshVersion | undefined;
  /**
   * Refuse tsalive's `Heartbeat` and `WatchdogTimeout` inside sshd_config, as OpenSSH's sshd does (`Bad
   * configuration option: WatchdogTimeout`), for OpenSSH's exact verdict. Default `false`: they are read in
   * place, where the seed documents them (the extension file is read either way).
   */
  strict?: boolean | undefined;
}

/** Every active assignment of one keyword: pass 1 is the global configuration, pass 2 the matching `Match` blocks. */
export interface ServerSetting {
  /** The keyword as the manual spells it. */
  readonly name: string;
  readonly assignments: readonly Assignment[];
}

/** The raw result of reading a server configuration, before typing. */
export interface ServerResolution {
  /** Keyed by lower-case keyword (aliases folded: `keepalive` is `tcpkeepalive`). */
  readonly settings: ReadonlyMap<string, ServerSetting>;
  /** Messages sshd logs without failing (`Deprecated option X`). */
  readonly warnings: readonly ConfigIssue[];
  /** Files read, in order (includes and the extension file too). */
  readonly files: readonly string[];
  readonly connection: ServerConnection;
  /** The release whose semantics were applied. */
  readonly openssh: OpenSshVersion;
  /**
   * tsalive's extension keywords found in sshd_config itself (not in the extension file): OpenSSH's sshd would
   * reject the file because of them. The first one's message says how to share the file; see
   * {@linkcode extensionNotice}.
   */
  readonly extensionNotes: readonly ConfigIssue[];
}

const SERVCONF_MAX_DEPTH = 16;
const MATCH_ONLY = 1;
const NEVER_MATCH = 2;

/** Stops reading at once, as sshd's fatal() does. */
class Fatal {
  constructor(
    readonly message: string,
    readonly code: "CONFIG_INVALID" | "CONFIG_INCLUDE_LOOP" | "CONFIG_READ_FAILED" = "CONFIG_INVALID",
  ) {}
}

interface Active {
  active: boolean;
}

/** misc.c hpdelim: host and the rest of `host:port` or `[v6]:port`; `host/port` is refused. */
function hpdelim(text: string): { host: string; rest: string | undefined } | undefined {
  let end: number;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    end = close + 1;
  } else {
    const at = text.search(/[:/]/);
    end = at === -1 ? text.length : at;
  }
  if (end === text.length) return { host: text, rest: undefined };
  // hpdelim2 also splits at "/", but hpdelim (what sshd_config parsing calls) then refuses the text.
  if (text[end] !== ":") return undefined;
  return { host: text.slice(0, end), rest: text.slice(end + 1) };
}

/**
 * A `Match Group` lookup over `/etc/passwd` and `/etc/group` read through `fs`: the user's primary group and
 * every group that lists the user, or `undefined` when the user does not exist (then no group matches, as in sshd).
 *
 * @example
 * ```ts
 * import { memoryFileSystem } from "@tsalive/config";
 * import { fileGroups } from "./resolve.ts";
 * const groups = fileGroups(memoryFileSystem({
 *   "/etc/passwd": "ann:x:1000:1000::/home/ann:/bin/sh\n",
 *   "/etc/group": "ann:x:1000:\nwheel:x:10:ann\n",
 * }));
 * groups("ann"); // ["ann", "wheel"]
 * groups("bob"); // undefined
 * ```
 */
export function fileGroups(fs: ConfigFileSystem): (user: string) => readonly string[] | undefined {
  let passwd: Map<string, string> | undefined;
  let groups: { name: string; gid: string; members: string[] }[] | undefined;
  return (user) => {
    passwd ??= new Map(
      (fs.readFile("/etc/passwd") ?? "")
        .split("\n")
        .map((line) => line.split(":"))
        .filter((f) => f.length >= 4)
        .map((f) => [f[0] as string, f[3] as string]),
    );
    groups ??= (fs.readFile("/etc/group") ?? "")
      .split("\n")
      .map((line) => line.split(":"))
      .filter((f) => f.length >= 3)
      .map((f) => ({ name: f[0] as string, gid: f[2] as string, members: (f[3] ?? "").split(",") }));
    const gid = passwd.get(user);
    if (gid === undefined) return undefined;
    const names: string[] = [];
    for (const group of groups) {
      if ((group.gid === gid || group.members.includes(user)) && !names.includes(group.name)) names.push(group.name);
    }
    return names;
  };
}

class ServerReader {
  readonly settings = new Map<string, { name: string; assignments: Assignment[] }>();
  readonly warnings: ConfigIssue[] = [];
  readonly files: string[] = [];
  /** Non-fatal issues reported so far (sshd prints them as it goes). */
  readonly reported: ConfigIssue[] = [];
  readonly docs = new Map<string, ConfigDocument>();
  readonly globs = new Map<string, string[]>();
  readonly fs: ConfigFileSystem;
  readonly context: MatchContext;
  /** Extension keywords read in sshd_config itself, in pass 1. */
  readonly extensionNotes: ConfigIssue[] = [];
  pass: 1 | 2 = 1;

  constructor(
    readonly options: ResolveServerOptions,
    readonly keywords: ReadonlyMap<string, ServerKeyword>,
    readonly openssh: OpenSshVersion,
    /** The extension keywords this reader takes in place (none in strict mode and in the extension file). */
    readonly inPlace: boolean,
  ) {
    this.fs = options.fs ?? memoryFileSystem({});
    let services: ReadonlyMap<string, number> = SERVICE_PORTS;
    try {
      const text = this.fs.readFile("/etc/services");
      if (text) services = parseServices(text);
    } catch {
      // a2port falls back to the well-known names
    }
    this.context = { groups: options.groups ?? fileGroups(this.fs), services, openssh };
  }

  fail(error: Fatal, issue: ConfigIssue): never {
    const issues = [...this.reported, issue];
    throw new ConfigError(error.code, issues.map((i) => i.message).join("\n"), issues);
  }

  record(row: ServerKeyword, key: string, line: ConfigLine & { kind: "directive" }, source: ValueSource): void {
    const canonical = row.alias ?? key;
    let setting = this.settings.get(canonical);
    if (!setting) {
      setting = { name: (this.keywords.get(canonical) ?? row).name, assignments: [] };
      this.settings.set(canonical, setting);
    }
    setting.assignments.push({ keyword: line.keyword, args: line.args, value: line.value, source, pass: this.pass });
  }

  load(path: string): ConfigDocument {
    let doc = this.docs.get(path);
    if (doc) return doc;
    // As the client reader reads: a FIFO, a device, a socket or an over-large file is refused, a read error names
    // the file; sshd checks no owner or mode.
    const text = readConfigFile(this.fs, path, { checkPerm: false, uid: undefined, what: "" });
    if (text === undefined) {
      const message = `${path}: No such file or directory`;
      throw new ConfigError("CONFIG_READ_FAILED", message, [
        { file: path, line: 0, keyword: undefined, value: undefined, message },
      ]);
    }
    doc = parseConfig(text, { file: path, recover: true });
    this.docs.set(path, doc);
    if (!this.files.includes(path)) this.files.push(path);
    return doc;
  }

  /** parse_server_config_depth: every line, then `terminating` if any was bad. */
  readDocument(
    doc: ConfigDocument,
    connection: ServerConnection | undefined,
    flags: number,
    active: Active,
    depth: number,
  ) {
    if (depth > SERVCONF_MAX_DEPTH) {
      const message = "Too many recursive configuration includes";
      this.fail(new Fatal(message, "CONFIG_INCLUDE_LOOP"), {
        file: doc.file,
        line: 0,
        keyword: undefined,
        value: undefined,
        message,
      });
    }
    const flagsRef = { flags };
    let bad = 0;
    for (const line of doc.lines) {
      if (line.kind !== "directive") continue;
      const source: ValueSource = { kind: "file", file: doc.file, line: line.line };
      if (this.processLine(line, doc.file, source, active, connection, flagsRef, depth, false)) bad++;
    }
    if (bad > 0) {
      // As badOptionsError: the bad lines are the errors, the message ends with sshd's last word.
      const message = `${displayName(doc.file)}: terminating, ${bad} bad configuration options`;
      const issues = [...this.reported];
      throw new ConfigError("CONFIG_INVALID", [...issues.map((i) => i.message), message].join("\n"), issues);
    }
  }

  /** process_server_config_line_depth. Returns true for a bad (counted) line; throws for a fatal one. */
  processLine(
    line: ConfigLine & { kind: "directive" },
    file: string | undefined,
    source: ValueSource,
    active: Active,
    connection: ServerConnection | undefined,
    flagsRef: { flags: number },
    depth: number,
    cmdline: boolean,
  ): boolean {
    const name = displayName(file);
    const { keyword, key, args } = line;
    const at = `${name} line ${line.line}`;
    const issue = (message: string): ConfigIssue => ({ file, line: line.line, keyword, value: line.value, message });
    const bad = (message: string): true => {
      this.reported.push(issue(message));
      return true;
    };
    const fatal = (message: string, code?: Fatal["code"]): never => this.fail(new Fatal(message, code), issue(message));
    if (line.value === "") return bad(`${at}: no argument after keyword "${keyword}"`);
    const row = this.keywords.get(key) ?? (this.inPlace ? SERVER_EXTENSION_KEYWORDS.get(key) : undefined);
    if (row !== undefined && this.inPlace && this.pass === 1 && SERVER_EXTENSION_KEYWORDS.has(key)) {
      this.extensionNotes.push(issue(`${name}: line ${line.line}: Bad configuration option: ${keyword}`));
    }
    let failed = false;
    if (!row) {
      this.reported.push(issue(`${name}: line ${line.line}: Bad configuration option: ${keyword}`));
      failed = true;
    }
    if (line.issue) {
      // The only grammar issue left with a value is an unclosed quote.
      this.reported.push(issue(`${at}: invalid quotes`));
      return true;
    }
    if (!active.active && !row?.match) {
      if (connection === undefined) fatal(`${at}: Directive '${keyword}' is not allowed within a Match block`);
      return false; // the second pass skips what the first already read
    }
    if (!row || failed) return true;
    // In the Match pass only Match blocks count: sshd copies only Match keywords into the connection's options.
    const store = active.active && (this.pass === 1 || row.match);
    const arg = args[0];
    let used = 1;
    switch (row.kind) {
      case "flag":
      case "choice": {
        if (arg === undefined || arg === "") fatal(`${at}: missing argument.`);
        const words: readonly string[] =
          row.kind === "flag" ? ["yes", "no"] : SERVER_CHOICES[row.choices ?? "addressfamily"];
        if (!words.includes((arg as string).toLowerCase())) fatal(`${at}: unsupported option "${arg}".`);
        break;
      }
      case "time":
        if (arg === undefined || arg === "") fatal(`${at}: missing time value.`);
        if (convtime(arg as string) === undefined) fatal(`${at}: invalid time value.`);
        break;
      case "int": {
        const value = arg === undefined || arg === "" ? "missing" : strtonum(arg, 0, INT_MAX);
        if (typeof value === "string") fatal(`${at}: ${keyword} integer value ${value}.`);
        break;
      }
      case "file":
        if (arg === undefined || arg === "") fatal(`${at}: missing file name.`);
        break;
      case "word":
      case "words2": {
        // LogLevel and SyslogFacility look the value up without checking it is there; the others check first.
        const word = row.alias ?? key;
        if (word !== "loglevel" && word !== "syslogfacility" && (arg === undefined || arg === "")) {
          fatal(`${at}: ${keyword} missing argument.`);
        }
        const problem = checkWord(word, arg, keyword);
        if (problem !== undefined) fatal(`${at}: ${problem}`);
        if (isAlgorithmList(word) && arg !== undefined) {
          const message = checkAlgorithms(word, arg, at, this.openssh);
          if (message !== undefined) fatal(message);
        }
        const invalid = checkServerValue(word, args, keyword, at, this.openssh);
        if (invalid !== undefined) fatal(invalid);
        used = row.kind === "words2" ? Math.min(args.length, 2) : 1;
        break;
      }
      case "list":
      case "deprecated":
      case "unsupported":
      case "ignore": {
        used = args.length;
        // 10.0 checks a Subsystem's command only where the line applies, and in the Match pass names the file
        // "reprocess config"; 10.6 checks every Subsystem line as it reads it.
        const lateSubsystem =
          key === "subsystem" && opensshAtLeast(this.openssh, "10.0") && !opensshAtLeast(this.openssh, "10.6");
        const skip = lateSubsystem && !active.active;
        const problem =
          row.kind === "list" && !skip ? checkList(row.alias ?? key, args, keyword, this.openssh) : undefined;
        if (problem !== undefined)
          fatal(`${lateSubsystem && this.pass === 2 ? `reprocess config line ${line.line}` : at}: ${problem}`);
        const invalid =
          row.kind === "list"
            ? checkServerValue(row.alias ?? key, args, keyword, at, this.openssh, line.value)
            : undefined;
        if (invalid !== undefined) fatal(invalid);
        if (key === "authenticationmethods" && args.includes("any") && !opensshAtLeast(this.openssh, "10.0")) {
          // 9.2 refuses "any" once an earlier line of the same pass has set the methods.
          const set = (this.settings.get(key)?.assignments ?? []).some((a) => a.pass === this.pass);
          if (set) fatal(`${at}: "any" must appear alone in ${keyword}`);
        }
        if (key === "subsystem" && !opensshAtLeast(this.openssh, "10.0") && active.active) {
          // 9.2 refuses a second definition of a name; 10.0 on takes the first quietly.
          const defined = (this.settings.get("subsystem")?.assignments ?? []).filter((a) => a.pass === this.pass);
          if (defined.some((a) => a.args[0] === args[0])) fatal(`${at}: Subsystem '${args[0]}' already defined.`);
        }
        if (row.kind === "deprecated" || row.kind === "unsupported") {
          const what = row.kind === "deprecated" ? "Deprecated" : "Unsupported";
          this.warnings.push(issue(`${at}: ${what} option ${keyword}`));
        }
        break;
      }
      case "special": {
        const result = this.special(line, at, row, active, connection, flagsRef, depth, cmdline, fatal, bad);
        if (result === true) return true;
        used = result;
        break;
      }
    }
    if (args.length > used) return bad(`${at}: keyword ${keyword} extra arguments at end of line`);
    // A line whose arguments are all a comment sets nothing (sshd's loops over the arguments never run).
    if (store && args.length > 0 && key !== "match" && key !== "include") this.record(row, key, line, source);
    return false;
  }

  /** The keywords servconf.c reads with their own code. Returns how many arguments were used, or true if bad. */
  special(
    line: ConfigLine & { kind: "directive" },
    at: string,
    row: ServerKeyword,
    active: Active,
    connection: ServerConnection | undefined,
    flagsRef: { flags: number },
    depth: number,
    cmdline: boolean,
    fatal: (message: string, code?: Fatal["code"]) => never,
    bad: (message: string) => true,
  ): number | true {
    const { keyword, args } = line;
    const arg = args[0] ?? "";
    switch (row.alias ?? line.key) {
      case "port":
        if (arg === "") fatal(`${at}: missing port number.`);
        if (a2port(arg, this.context.services) <= 0) fatal(`${at}: Badly formatted port number.`);
        return 1;
      case "hostkey":
        if (arg === "") fatal(`${at}: missing file name.`);
        return 1;
      case "listenaddress": {
        if (arg === "") fatal(`${at}: missing address`);
        const colon = arg.indexOf(":");
        if (arg.includes("[") || colon === -1 || !arg.slice(colon + 1).includes(":")) {
          const split = hpdelim(arg);
          if (!split) fatal(`${at}: bad address:port usage`);
          if (split?.rest !== undefined && a2port(split.rest, this.context.services) <= 0) {
            fatal(`${at}: bad port number`);
          }
        }
        if (args.length > 1 && (args[1] !== "rdomain" || args.length < 3)) fatal(`${at}: bad ListenAddress syntax`);
        return args.length > 1 ? 3 : 1;
      }
      case "permitopen":
      case "permitlisten": {
        if (arg === "") fatal(`${at}: ${keyword} missing argument.`);
        // 9.2 takes "any"/"none" as the whole value (more is extra arguments); 10.0 on only when alone.
        if ((arg === "any" || arg === "none") && (args.length === 1 || !opensshAtLeast(this.openssh, "10.0"))) return 1;
        let used = 0;
        for (const entry of args) {
          if (entry === "") break;
          used++;
          let port: string | undefined = entry;
          if (line.key === "permitopen" || entry.includes(":")) {
            const split = hpdelim(entry);
            if (!split) fatal(`${at}: ${keyword} missing host`);
            port = split?.rest;
          }
          // misc.c permitopen_port: "*" or a port a2port reads.
          if (port === undefined || (port !== "*" && a2port(port, this.context.services) <= 0)) {
            fatal(`${at}: ${keyword} bad port number`);
          }
        }
        return used;
      }
      case "rdomain":
        // Debian's build, like every non-OpenBSD one without set_process_rdomain, refuses the keyword itself.
        fatal(`${at}: setting RDomain not supported on this platform.`);
        return 1;
      case "authorizedkeysfile":
        // 10.0 on refuses a line whose arguments are all a comment; 9.2 reads it as setting nothing.
        if (args.length === 0 && opensshAtLeast(this.openssh, "10.0")) fatal(`${at}: no ${keyword} specified`);
        if (args.some((a) => a === "")) return bad(`${at}: keyword ${keyword} empty argument`);
        if (args.length > 1 && opensshAtLeast(this.openssh, "10.6") && args.some((a) => a.toLowerCase() === "none")) {
          return bad(`${at}: keyword ${keyword} "none" argument must appear alone.`);
        }
        return args.length;
      case "channeltimeout":
        if (args.length === 0 && opensshAtLeast(this.openssh, "10.0")) fatal(`${at}: no ${keyword} specified`);
        for (let i = 0; i < args.length; i++) {
          const entry = args[i] as string;
          if (entry.toLowerCase() === "none") {
            // sshd 9.2 never advances its position counter: "none" is refused only when arguments follow it;
            // 10.0 on refuse it anywhere beside another argument.
            const modern = opensshAtLeast(this.openssh, "10.0");
            if (modern ? args.length > 1 : i < args.length - 1) {
              return bad(`${at}: keyword ${keyword} "none" argument must appear alone.`);
            }
          } else if (parseChannelTimeoutEntry(entry) === undefined) {
            fatal(`${at}: invalid channel timeout ${entry}`);
          }
        }
        return args.length;
      case "unusedconnectiontimeout":
        if (arg.toLowerCase() === "none") return 1;
        if (arg === "") fatal(`${at}: missing time value.`);
        if (convtime(arg) === undefined) fatal(`${at}: invalid time value.`);
        return 1;
      case "include":
        if (cmdline) fatal("Include directive not supported as a command-line option");
        if (args.length === 0) fatal(`${at}: ${keyword} missing filename argument`);
        for (const entry of args) {
          if (entry === "") return bad(`${at}: keyword ${keyword} empty argument`);
          const selector = entry.startsWith("/") || entry.startsWith("~") ? entry : `${SSHD_CONFIG_DIR}/${entry}`;
          let paths = this.globs.get(selector);
          if (!paths) {
            // sshd globs without GLOB_TILDE: "~" is a literal directory name, relative to sshd's cwd.
            paths = selector.startsWith("~") ? [] : expandIncludeGlob(selector, this.fs, "/");
            this.globs.set(selector, paths);
          }
          const outer = active.active;
          const flags = flagsRef.flags & MATCH_ONLY ? MATCH_ONLY : outer ? 0 : NEVER_MATCH;
          for (const path of paths) {
            const doc = this.load(path);
            this.readDocument(doc, connection, flags, active, depth + 1);
            active.active = outer;
          }
        }
        return args.length;
      case "match": {
        if (cmdline) fatal("Match directive not supported as a command-line option");
        const neverMatch = (flagsRef.flags & NEVER_MATCH) !== 0;
        let result: boolean;
        try {
          result = evaluateServerMatch(line.value, line.line, neverMatch ? undefined : connection, this.context);
        } catch (error) {
          if (!(error instanceof MatchFailure)) throw error;
          fatal([error.message, error.badCondition ? `${at}: Bad Match condition` : ""].filter(Boolean).join("\n"));
        }
        active.active = neverMatch ? false : result;
        flagsRef.flags &= ~MATCH_ONLY;
        return args.length;
      }
      default:
        return args.length;
    }
  }

  /** `-o` options: read before the file, as the global configuration, each failing at once (sshd exits 1). */
  readOptions(options: readonly string[]): void {
    options.forEach((text, index) => {
      const line = parseLine(text, 0, "command-line");
      if (line.kind !== "directive") return;
      const source: ValueSource = { kind: "option", index, text };
      const before = this.reported.length;
      if (this.processLine(line, "command-line", source, { active: true }, undefined, { flags: 0 }, 0, true)) {
        const issues = this.reported.slice(before);
        throw new ConfigError("CONFIG_INVALID", issues.map((i) => i.message).join("\n"), issues);
      }
    });
  }
}

/** PerSourcePenalties' `name:value` words (10.0; 10.6 adds invaliduser). */
const PENALTY_KEYS = ["crash", "authfail", "noauth", "grace-exceeded", "refuseconnection", "max", "min"];
const PENALTY_WORDS = ["max-sources4", "max-sources6", "overflow", "overflow6"];
PENALTY_KEYS.push(...PENALTY_WORDS);

const LOG_LEVELS = ["quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3"];
const LOG_FACILITIES = ["daemon", "user", "auth", "authpriv", ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `local${n}`)];
const TUNNEL_MODES = ["no", "point-to-point", "ethernet", "yes"];

/** The value checks servconf.c makes for a few one-word keywords, worded as sshd words them. */
function checkWord(key: string, given: string | undefined, keyword: string): string | undefined {
  // sshd prints a missing LogLevel/SyslogFacility value as <NONE>.
  const arg = given ?? "<NONE>";
  switch (key) {
    case "loglevel":
      return LOG_LEVELS.includes(arg.toLowerCase()) ? undefined : `unsupported log level '${arg}'`;
    case "syslogfacility":
      return LOG_FACILITIES.includes(arg.toLowerCase()) ? undefined : `unsupported log facility '${arg}'`;
    case "permittunnel":
      return TUNNEL_MODES.includes(arg) ? undefined : `bad ${keyword} argument ${arg}`;
    case "streamlocalbindmask": {
      // strtol(arg, &p, 8): leading space and a sign, then octal digits; trailing text is ignored.
      const match = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)/.exec(arg);
      const value = match ? (match[1] === "-" ? -1 : 1) * Number.parseInt(match[2] as string, 8) : Number.NaN;
      return Number.isNaN(value) || value < 0 || value > 0o777 ? `Invalid ${keyword}.` : undefined;
    }
    case "fingerprinthash":
      return ["md5", "sha1", "sha256", "sha384", "sha512"].includes(arg.toLowerCase())
        ? undefined
        : `Invalid ${keyword} algorithm "${arg}".`;
    default:
      return undefined;
  }
}

/** The value checks servconf.c makes for a few keywords that take a list, worded as sshd words them. */
function checkList(key: string, args: readonly string[], keyword: string, openssh: OpenSshVersion): string | undefined {
  if (key === "subsystem" && args.length < 2) {
    const noName = args.length === 0 || opensshAtLeast(openssh, "10.6");
    return noName ? `${keyword} missing argument.` : "Missing subsystem command.";
  }
  if (key === "persourcepenalties" && args.length === 0) return `no ${keyword} specified`;
  for (const arg of args) {
    if (key === "persourcepenalties") {
      const name = arg.includes(":") ? arg.slice(0, arg.indexOf(":")) : arg;
      const known =
        arg === "yes" ||
        arg === "no" ||
        PENALTY_KEYS.includes(name) ||
        (name === "invaliduser" && opensshAtLeast(openssh, "10.6"));
      if (!known) return `unsupported ${keyword} keyword ${arg}`;
    }
    switch (key) {
      case "acceptenv":
        if (arg === "" || arg.includes("=")) return "Invalid environment name.";
        break;
      case "setenv":
        if (arg === "" || !arg.includes("=")) return "Invalid environment.";
        break;
      case "allowgroups":
      case "denygroups":
        if (arg === "") return `empty ${keyword} pattern`;
        break;
    }
  }
  return undefined;
}

/**
 * servconf.c `parse_timeout`: one `ChannelTimeout` entry `type=interval` → its parts, or undefined (the type must
 * be non-empty and ends at the first `=`; the interval is a convtime value).
 *
 * @example
 * ```ts
 * import { parseChannelTimeoutEntry } from "./resolve.ts";
 * parseChannelTimeoutEntry("session:*=2m"); // { type: "session:*", timeout: 120 }
 * parseChannelTimeoutEntry("session"); // undefined
 * ```
 */
export function parseChannelTimeoutEntry(entry: string): { type: string; timeout: number } | undefined {
  const eq = entry.indexOf("=");
  if (eq <= 0) return undefined;
  const timeout = convtime(entry.slice(eq + 1));
  if (timeout === undefined) return undefined;
  return { type: entry.slice(0, eq), timeout };
}

function documentFor(reader: ServerReader, input: ServerConfigInput): ConfigDocument {
  if (typeof input === "string") return reader.load(input);
  const doc = parseConfig(input.text, { file: input.file, recover: true });
  if (input.file !== undefined) reader.files.push(input.file);
  return doc;
}

/** Both of sshd's passes over one configuration: the global one, then the Match one for the connection. */
function readBothPasses(reader: ServerReader, doc: ConfigDocument, connection: ServerConnection): void {
  reader.pass = 1;
  reader.readDocument(doc, undefined, 0, { active: true }, 0);
  reader.pass = 2;
  reader.readDocument(doc, connection, MATCH_ONLY, { active: false }, 0);
}

/**
 * Reads a server configuration exactly as `sshd -T -f FILE -o … -C …` does, without typing it: sshd's first pass
 * (the global configuration; `-o` options first; `Match` blocks checked for syntax; `Match All` applies) and its
 * second pass for the connection (only matching `Match` blocks count), every active line kept with its source.
 * Then tsalive's extension file the same way, with only its own keywords. Most callers want
 * {@linkcode resolveServerConfig}, which types the values.
 *
 * @throws {ConfigError} where sshd fails, with sshd's messages: bad lines (`CONFIG_INVALID`), an include loop
 *   (`CONFIG_INCLUDE_LOOP`), a missing file (`CONFIG_READ_FAILED`).
 * @example
 * ```ts
 * import { readServerConfig } from "./resolve.ts";
 * const resolution = readServerConfig({
 *   config: { file: "sshd_config", text: "ClientAliveInterval 30\nMatch User backup\n  ClientAliveInterval 5\n" },
 *   connection: { user: "backup" },
 *   extensions: null,
 * });
 * resolution.settings.get("clientaliveinterval")?.assignments.map((a) => a.pass); // [1, 2]
 * ```
 */
export function readServerConfig(options: ResolveServerOptions): ServerResolution {
  const connection = options.connection ?? {};
  const openssh = opensshVersion(options.openssh, "server config");
  const table = serverKeywords(openssh);
  const reader = new ServerReader(options, table, openssh, options.strict !== true);
  reader.readOptions(options.options ?? []);
  readBothPasses(reader, documentFor(reader, options.config ?? SSHD_CONFIG_FILE), connection);
  const settings = new Map<string, ServerSetting>(reader.settings);
  const files = [...reader.files];
  const warnings = [...reader.warnings];
  let extensions = options.extensions;
  if (extensions === undefined) {
    extensions =
      (options.fs ?? memoryFileSystem({})).readFile(TSALIVE_CONFIG_FILE) === undefined ? null : TSALIVE_CONFIG_FILE;
  }
  if (extensions !== null) {
    const keywords = new Map([...SERVER_EXTENSION_KEYWORDS]);
    for (const key of ["match", "include"]) keywords.set(key, table.get(key) as ServerKeyword);
    const ext = new ServerReader(options, keywords, openssh, false);
    readBothPasses(ext, documentFor(ext, extensions), connection);
    // The extension file overrides what sshd_config said about the same keyword.
    for (const [key, setting] of ext.settings) settings.set(key, setting);
    files.push(...ext.files);
    warnings.push(...ext.warnings);
  }
  return { settings, warnings, files, connection, openssh, extensionNotes: reader.extensionNotes };
}
