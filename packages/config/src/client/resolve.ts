import { expandIncludeGlob } from "../_glob.ts";
import { MatchFailure } from "../_match_failure.ts";
import { readConfigFile } from "../_read.ts";
import { convtime } from "../_time.ts";
import { a2port, integerValue, parseServices, SERVICE_PORTS } from "../_values.ts";
import { badOptionsError, ConfigError, type ConfigIssue, displayName } from "../errors.ts";
import type { ConfigFileSystem } from "../fs.ts";
import { defaultFileSystem } from "../fs.ts";
import { DEFAULT_OPENSSH_VERSION, type OpenSshVersion, opensshAtLeast, opensshVersion } from "../openssh_version.ts";
import { asciiLower, type ConfigLine, type DirectiveLine, parseConfig, parseLine } from "../parse.ts";
import { matchPattern, matchPatternList } from "../pattern.ts";
import type { Assignment, ValueSource } from "../source.ts";
import { numericHost } from "./_address.ts";
import { emptyAlgorithmLists } from "./_algorithms.ts";
import { WORD_CHECKS, WORD_MISSING } from "./_checks.ts";
import { parseIpqos } from "./_ipqos.ts";
import { evaluateMatch, evaluateMatchArgs, execTokens, type MatchContext } from "./_match.ts";
import { parseProxyJump } from "./jump.ts";
import {
  CLIENT_ALIASES,
  CLIENT_CHOICES,
  CLIENT_EXTENSION_KEYWORDS,
  type ClientKeyword,
  clientKeywords,
} from "./keywords.ts";
import { percentExpand } from "./percent.ts";

/** Config text held in memory, with the name to use in messages and provenance. */
export interface ClientConfigText {
  readonly text: string;
  readonly file?: string;
}

/** A config file path (read through `fs`), or text. */
export type ClientConfigInput = string | ClientConfigText;

/**
 * One command-line argument of ssh that feeds the configuration, in the order given: `-o` (one config line), `-l`,
 * `-p` and `-i`. ssh applies them in that order: the first `-l`/`-p`/`User`/`Port` wins.
 *
 * @example
 * ```ts
 * import { type ClientArgument, resolveClientConfig } from "@tsalive/config";
 * // ssh -o User=o -l l host: the -o came first, so it wins
 * const commandLine: ClientArgument[] = [{ kind: "option", text: "User=o" }, { kind: "user", user: "l" }];
 * resolveClientConfig({ host: "h", localUser: "me", home: "/home/me", commandLine, configFile: "none" }).values.user; // "o"
 * ```
 */
export type ClientArgument =
  | { readonly kind: "option"; readonly text: string }
  | { readonly kind: "user"; readonly user: string }
  | { readonly kind: "port"; readonly port: number }
  | { readonly kind: "identityFile"; readonly path: string };

/**
 * What `ssh -G` takes: the destination, the local user, the command-line options and the config files.
 */
export interface ResolveClientOptions {
  /** The destination as given to ssh: `host`, `user@host` or `ssh://user@host:port`. */
  host: string;
  /** The local user's name (`%u`, `Match localuser`, the default `User`). */
  localUser: string;
  /** The local user's home directory (`~`, `%d`, the default user config). */
  home: string;
  /** The local user's uid (`%i` in `Match exec`). */
  uid?: number | undefined;
  /** The local host name (`%l`, `%L` and `%C` in `Match exec`). */
  localHostname?: string | undefined;
  /** The directory a relative `configFile` path is read from (as ssh reads `-F` relative to its cwd). */
  cwd?: string | undefined;
  /**
   * `-o`, `-l`, `-p` and `-i` in command-line order, as ssh applies them; a `-i` file is tilde-expanded and
   * used only if it exists (ssh warns and skips it otherwise: see `warnings`). When given, `options`, `user`,
   * `port` and `identityFiles` must not be.
   */
  commandLine?: readonly ClientArgument[] | undefined;
  /** `-o` options, in order, each one config line (`"ServerAliveInterval=15"`). */
  options?: readonly string[] | undefined;
  /** `-l user`: applied before the `-o` options. */
  user?: string | undefined;
  /** `-p port`: applied before the `-o` options. */
  port?: number | undefined;
  /** `-i file`, in order: identity files given on the command line. */
  identityFiles?: readonly string[] | undefined;
  /** `-F`: the only config file to read (user rules), or `"none"` to read none. */
  configFile?: ClientConfigInput | undefined;
  /** The user config; default `HOME/.ssh/config`; `null` for none. Ignored with `configFile`. */
  userConfig?: ClientConfigInput | null | undefined;
  /** The system config; default `/etc/ssh/ssh_config`; `null` for none. Ignored with `configFile`. */
  systemConfig?: ClientConfigInput | null | undefined;
  /**
   * Where paths are read from. Default: the runtime's real file system (`defaultFileSystem`); pass
   * `memoryFileSystem` to resolve text you hold without touching the disk.
   */
  fs?: ConfigFileSystem | undefined;
  /**
   * Runs a `Match exec` command (already %-expanded) and says whether it exited 0. Without it, reaching a
   * `Match exec` that ssh would run throws a `CONFIG_EXEC_DENIED` ConfigError: never a silent guess. Pass
   * `nodeExec` from `@tsalive/config/node` to run it through `/bin/sh -c` as ssh does.
   */
  exec?: ((command: string) => boolean) | undefined;
  /**
   * The OpenSSH release whose semantics to reproduce: its keywords, Match criteria, Include expansion, defaults
   * and messages. Default: the newest, `"10.6"`.
   */
  openssh?: OpenSshVersion | undefined;
  /**
   * Refuse tsalive's extension keywords (`Heartbeat`) wherever OpenSSH's ssh would, i.e. unless an active
   * `IgnoreUnknown` lists them: OpenSSH's exact verdict on the file. Default `false`: `Heartbeat N` is read in
   * place, as the seed documents it, and `extensionNotes` says which lines OpenSSH would reject.
   */
  strict?: boolean | undefined;
  /**
   * The older spelling of `strict`: `"ignore-unknown"` is `strict: true`, `"always"` is `strict: false`.
   * @deprecated Use `strict`.
   */
  extensionKeywords?: "ignore-unknown" | "always" | undefined;
  /**
   * The environment, for `${VAR}` in `Include` (9.9 and later) and for `~` in an `Include` path, which ssh's
   * `glob(GLOB_TILDE)` takes from `$HOME` (not the passwd home). Default: `{ HOME: home }`.
   */
  environment?: Readonly<Record<string, string | undefined>> | undefined;
  /** The remote command, for `Match command` and `Match sessiontype` (10.0). */
  remoteCommand?: string | undefined;
  /** The local interface addresses, for `Match localnetwork` (9.4): `nodeDefaults()` lists them. */
  localAddresses?: readonly string[] | undefined;
}

/** Every active assignment of one keyword, in reading order; the first (not `none`, where that unsets) wins. */
export interface ClientSetting {
  /** The keyword as the manual spells it. */
  readonly name: string;
  readonly assignments: readonly Assignment[];
}

/** The raw result of reading the configuration, before typing. */
export interface ClientResolution {
  /** The host as given (without `user@`): `%n`, `Match originalhost`. */
  readonly originalHost: string;
  /** The host ssh connects to: HostName expanded, lower-cased unless an address. */
  readonly hostName: string;
  readonly hostNameSource: ValueSource;
  readonly settings: ReadonlyMap<string, ClientSetting>;
  /** IdentityFile in order, de-duplicated as ssh does, with where each came from. */
  readonly identityFiles: readonly { readonly path: string; readonly source: ValueSource }[];
  /** The port: the first Port (service names looked up as ssh does), else 22. */
  readonly port: number;
  /** The winning ProxyCommand or ProxyJump line, if any. */
  readonly proxy: { readonly kind: "command" | "jump"; readonly assignment: Assignment } | undefined;
  /** Messages ssh prints without failing (`Unsupported option`). */
  readonly warnings: readonly ConfigIssue[];
  /**
   * tsalive extension lines read in place that OpenSSH's ssh of this release would reject (`Bad configuration
   * option`), each with how to share the file with ssh (`IgnoreUnknown`). Empty with `strict`.
   */
  readonly extensionNotes: readonly ConfigIssue[];
  /** The release whose semantics were applied. */
  readonly openssh: OpenSshVersion;
  /** Files read, in order. */
  readonly files: readonly string[];
  /** Whether a final pass ran (`Match final`, `CanonicalizeHostname`). */
  readonly finalPass: boolean;
  readonly options: ResolveClientOptions;
}

const SSH_MAX_IDENTITY_FILES = 100;
const READCONF_MAX_DEPTH = 16;
const COMMON_IDENTITY_FILES = [
  "~/.ssh/id_rsa",
  "~/.ssh/id_ecdsa",
  "~/.ssh/id_ecdsa_sk",
  "~/.ssh/id_ed25519",
  "~/.ssh/id_ed25519_sk",
];
/** ssh's default identities per release: 10.0 dropped DSA, 10.6 lists ML-DSA instead of XMSS. */
const DEFAULT_IDENTITY_FILES: Readonly<Record<OpenSshVersion, readonly string[]>> = {
  "9.2": [...COMMON_IDENTITY_FILES, "~/.ssh/id_xmss", "~/.ssh/id_dsa"],
  "10.0": [...COMMON_IDENTITY_FILES, "~/.ssh/id_xmss"],
  "10.6": [...COMMON_IDENTITY_FILES, "~/.ssh/id_mldsa44_ed25519"],
};

interface FileFlags {
  readonly user: boolean;
  readonly neverMatch: boolean;
}

interface ActiveRef {
  active: boolean;
}

/** A line failed: its message(s), OpenSSH's wording, already prefixed. */
class BadLine {
  constructor(readonly message: string) {}
}

/** misc.c scan_scaled: digits, an optional fraction, an optional unit B K M G T P E (any case); bytes. */
function scanScaled(text: string): number | undefined {
  const match = /^([0-9]+)(?:\.([0-9]+))?([BKMGTPE]?)$/i.exec(text);
  if (!match) return undefined;
  const power = "BKMGTPE".indexOf((match[3] || "B").toUpperCase());
  const whole = Number(match[1]) * 1024 ** power;
  const fraction = match[2] ? Math.floor(Number(`0.${match[2]}`) * 1024 ** power) : 0;
  if (match[2] && power === 0) return undefined;
  return whole + fraction;
}

/** ssh.c valid_hostname (Debian 9.2's security update, 9.6 and later): no shell metacharacters, no leading `-`. */
function validHostname(host: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: iscntrl is what ssh refuses
  return !host.startsWith("-") && !/['`"$\\;&<>|(){},\s\x00-\x1f\x7f]/.test(host);
}

/** ssh.c is_addr_fast: looks like an address (a scope `%`, a `:`, or only digits and dots). */
function isAddress(name: string): boolean {
  return name.includes("%") || name.includes(":") || /^[0-9.]*$/.test(name);
}

/** Splits `user@host` / `ssh://user@host:port` as ssh.c does with the destination argument. */
function splitDestination(destination: string): { user?: string; host: string; port?: number } {
  if (destination.startsWith("ssh://")) {
    const hop = parseProxyJump(destination);
    if (hop && !hop.none && hop.hops.length === 1) return hop.hops[0] as { user?: string; host: string; port?: number };
  }
  const at = destination.lastIndexOf("@");
  if (at > 0) return { user: destination.slice(0, at), host: destination.slice(at + 1) };
  return { host: destination };
}

class ClientReader {
  readonly settings = new Map<string, { name: string; assignments: Assignment[] }>();
  readonly identity: { path: string; userProvided: boolean; source: ValueSource }[] = [];
  readonly warnings: ConfigIssue[] = [];
  readonly extensionNotes: ConfigIssue[] = [];
  readonly files: string[] = [];
  readonly version: OpenSshVersion;
  readonly keywords: ReadonlyMap<string, ClientKeyword>;
  readonly strict: boolean;
  proxy: { kind: "command" | "jump"; assignment: Assignment } | undefined;
  pass: 1 | 2 = 1;
  wantFinal = false;
  /** The host `Host` patterns match: the destination in pass 1, the final host name in pass 2. */
  matchHost: string;
  readonly originalHost: string;
  readonly fs: ConfigFileSystem;
  readonly stack: string[] = [];
  /** In pass 2, ssh has replaced HostName by the final host. */
  finalHostName: string | undefined;

  constructor(readonly options: ResolveClientOptions) {
    this.fs = options.fs ?? defaultFileSystem();
    this.version = options.openssh === undefined ? DEFAULT_OPENSSH_VERSION : opensshVersion(options.openssh);
    this.keywords = clientKeywords(this.version);
    this.strict = options.strict ?? options.extensionKeywords === "ignore-unknown";
    const destination = splitDestination(options.host);
    this.originalHost = destination.host;
    this.matchHost = destination.host;
  }

  first(key: string): Assignment | undefined {
    const assignments = this.settings.get(key)?.assignments;
    if (!assignments) return undefined;
    const row = this.keywords.get(key) ?? CLIENT_EXTENSION_KEYWORDS.get(key);
    // parse_time stores -1 for `none`: still unset, so a later line may set it.
    if (row?.kind === "time") return assignments.find((a) => a.args[0] !== "none");
    return assignments[0];
  }

  record(written: string, row: ClientKeyword, assignment: Assignment): void {
    const key = CLIENT_ALIASES.get(written) ?? written;
    let setting = this.settings.get(key);
    if (!setting) {
      setting = { name: (this.keywords.get(key) ?? row).name, assignments: [] };
      this.settings.set(key, setting);
    }
    setting.assignments.push(assignment);
  }

  currentPort(): number {
    const assignment = this.first("port");
    return (assignment && this.a2port(assignment.args[0] ?? "")) || 22;
  }

  services: Map<string, number> | undefined;

  /**
   * misc.c a2port: 0…65535, else a TCP service name as getservbyname finds it in /etc/services (read through
   * `fs`; without one, a few well-known names). Returns -1 where a2port does.
   */
  a2port(arg: string): number {
    // A number needs no service table: /etc/services is read only for a name.
    if (/^[0-9]+$/.test(arg)) return a2port(arg, SERVICE_PORTS);
    if (!this.services) {
      let text: string | undefined;
      try {
        text = this.fs.readFile("/etc/services");
      } catch {
        // Unreadable: getservbyname finds nothing there either; keep the well-known names.
      }
      this.services = text === undefined ? new Map(SERVICE_PORTS) : parseServices(text);
    }
    return a2port(arg, this.services);
  }

  currentUser(): string {
    return this.first("user")?.args[0] ?? this.options.localUser;
  }

  ignoredUnknown(): string | undefined {
    return this.first("ignoreunknown")?.args[0];
  }

  run(): ClientResolution {
    const o = this.options;
    const destination = splitDestination(o.host);
    const argument = (name: "destination" | "user" | "port" | "identityFile"): ValueSource => ({
      kind: "argument",
      name,
    });
    const fromArgument = (key: string, value: string, name: "destination" | "user" | "port") => {
      const row = this.keywords.get(key) as ClientKeyword;
      if (!this.first(key))
        this.record(key, row, { keyword: row.name, args: [value], value, source: argument(name), pass: 1 });
    };
    // ssh.c: the destination is checked before any configuration is read.
    if (!validHostname(destination.host)) this.fatalArgument("hostname contains invalid characters");
    const commandLine: (ClientArgument | { kind: "identityFile"; path: string; legacy: true })[] = o.commandLine
      ? [...o.commandLine]
      : [
          ...(o.user === undefined ? [] : [{ kind: "user", user: o.user } as const]),
          ...(o.port === undefined ? [] : [{ kind: "port", port: o.port } as const]),
          ...(o.identityFiles ?? []).map((path) => ({ kind: "identityFile", path, legacy: true }) as const),
          ...(o.options ?? []).map((text) => ({ kind: "option", text }) as const),
        ];
    let optionIndex = 0;
    for (const item of commandLine) {
      if (item.kind === "user") fromArgument("user", item.user, "user");
      else if (item.kind === "port") fromArgument("port", String(item.port), "port");
      else if (item.kind === "identityFile") this.commandLineIdentity(item.path, "legacy" in item);
      else this.commandLineOption(item.text, optionIndex++);
    }
    // ssh.c: the destination's user@ and :port apply after -o, before the files.
    if (destination.user !== undefined) fromArgument("user", destination.user, "destination");
    if (destination.port !== undefined) fromArgument("port", String(destination.port), "destination");
    this.readFiles();
    return this.finish();
  }

  /** ssh.c `-i`: tilde-expanded with the passwd home; a file that does not exist is skipped with a warning. */
  commandLineIdentity(path: string, legacy: boolean): void {
    const source: ValueSource = { kind: "argument", name: "identityFile" };
    if (legacy) {
      this.addIdentity(path, true, source);
      return;
    }
    const home = this.options.home.replace(/\/$/, "");
    const full = path === "~" ? home : path.startsWith("~/") ? `${home}${path.slice(1)}` : path;
    let exists: boolean;
    try {
      exists = (this.fs.stat ? this.fs.stat(full) !== undefined : false) || this.fs.readFile(full) !== undefined;
    } catch {
      exists = true;
    }
    if (!exists) {
      const message = `Warning: Identity file ${full} not accessible: No such file or directory.`;
      this.warnings.push({ file: "command-line", line: 0, keyword: undefined, value: undefined, message });
      return;
    }
    this.addIdentity(full, true, source);
  }

  fatalArgument(message: string): never {
    throw new ConfigError("CONFIG_INVALID", message, [
      { file: "command-line", line: 0, keyword: undefined, value: undefined, message },
    ]);
  }

  commandLineOption(text: string, index: number): void {
    {
      // one -o option
      const line = parseLine(text, 0, "command-line");
      const source: ValueSource = { kind: "option", index, text };
      const bad = this.processLine(line, source, "command-line", { user: true, neverMatch: false }, undefined, 0);
      if (bad) {
        const issue: ConfigIssue = {
          file: "command-line",
          line: 0,
          keyword: line.kind === "directive" ? line.keyword : undefined,
          value: line.kind === "directive" ? line.value : undefined,
          message: bad.message,
        };
        throw new ConfigError("CONFIG_INVALID", bad.message, [issue]);
      }
    }
  }

  finish(): ClientResolution {
    const o = this.options;
    const argument = (name: "destination"): ValueSource => ({ kind: "argument", name });

    // ssh.c: HostName replaces the host, %h expanded; names (not addresses) are lower-cased.
    let host = this.originalHost;
    let hostNameSource: ValueSource = argument("destination");
    const hostName = this.first("hostname");
    if (hostName) {
      host = this.expand(hostName.args[0] ?? "", { h: host }, hostName.source);
      hostNameSource = hostName.source;
    }
    // ssh.c: names are lower-cased; addresses (`is_addr`) are canonicalised instead (`15` → `0.0.0.15`).
    const family = asciiLower(this.first("addressfamily")?.args[0] ?? "any") as "any" | "inet" | "inet6";
    const numeric = numericHost(host, family);
    const wasAddress = isAddress(host) || numeric !== undefined;
    if (!wasAddress) host = asciiLower(host);
    const canonicalize = asciiLower(this.first("canonicalizehostname")?.args[0] ?? "no");
    if (numeric !== undefined && (wasAddress || (canonicalize !== "no" && canonicalize !== "false"))) {
      if (asciiLower(numeric) !== asciiLower(host)) host = numeric;
    }
    if (canonicalize !== "no" && canonicalize !== "false") this.wantFinal = true;
    const finalPass = this.wantFinal;
    if (finalPass) {
      this.pass = 2;
      this.finalHostName = host;
      this.matchHost = host;
      this.readFiles();
    }
    // ssh.c, after reading the files (before -G prints anything).
    const attempts = this.first("connectionattempts");
    if (attempts && Number(attempts.args[0]) <= 0) this.fatalArgument("Invalid number of ConnectionAttempts");
    const empty = emptyAlgorithmLists(this.version, (key) => this.first(key)?.args[0]);
    for (const message of empty.errors)
      this.warnings.push({ file: undefined, line: 0, keyword: undefined, value: undefined, message });
    if (empty.fatal !== undefined) this.fatalArgument([...empty.errors, empty.fatal].join("\n"));
    this.checkJumpLoop(host);
    return {
      originalHost: this.originalHost,
      hostName: host,
      hostNameSource,
      settings: this.settings,
      identityFiles: this.identity.length
        ? this.identity.map(({ path, source }) => ({ path, source }))
        : DEFAULT_IDENTITY_FILES[this.version].map((path) => ({ path, source: { kind: "default" } as const })),
      port: this.currentPort(),
      proxy: this.proxy,
      warnings: this.warnings,
      extensionNotes: this.extensionNotes,
      openssh: this.version,
      files: this.files,
      finalPass,
      options: o,
    };
  }

  /** ssh.c: a ProxyJump whose last hop is the destination itself (same host, port and user) is fatal. */
  checkJumpLoop(host: string): void {
    if (this.proxy?.kind !== "jump") return;
    const parsed = parseProxyJump(this.proxy.assignment.value, this.version);
    if (!parsed || parsed.none) return;
    const jump = parsed.hops[parsed.hops.length - 1];
    if (!jump) return;
    const port = this.currentPort();
    const user = this.currentUser();
    if (jump.host === host && (jump.port ?? 22) === port && (jump.user ?? user) === user) {
      const message = `jumphost loop via ${jump.host}`;
      const source = this.proxy.assignment.source;
      const where = source.kind === "file" ? source : undefined;
      throw new ConfigError("CONFIG_INVALID", message, [
        {
          file: where?.file,
          line: where?.line ?? 0,
          keyword: this.proxy.assignment.keyword,
          value: this.proxy.assignment.value,
          message,
        },
      ]);
    }
  }

  expand(text: string, tokens: Record<string, string>, source: ValueSource): string {
    const result = percentExpand(text, tokens);
    if (result.error !== undefined) {
      const where = source.kind === "file" ? source : undefined;
      throw new ConfigError("CONFIG_INVALID", result.error, [
        { file: where?.file, line: where?.line ?? 0, keyword: undefined, value: undefined, message: result.error },
      ]);
    }
    return result.value;
  }

  readFiles(): void {
    const o = this.options;
    if (o.configFile !== undefined) {
      if (typeof o.configFile === "string" && asciiLower(o.configFile) === "none") return;
      const path =
        typeof o.configFile === "string" && !o.configFile.startsWith("/") && o.cwd !== undefined
          ? `${o.cwd.replace(/\/$/, "")}/${o.configFile}`
          : o.configFile;
      if (!this.readInput(path, { user: true, neverMatch: false })) {
        const name = typeof o.configFile === "string" ? o.configFile : displayName(o.configFile.file);
        const message = `Can't open user config file ${name}: No such file or directory`;
        throw new ConfigError("CONFIG_READ_FAILED", message, [
          { file: name, line: 0, keyword: undefined, value: undefined, message },
        ]);
      }
      return;
    }
    const user = o.userConfig === undefined ? `${o.home.replace(/\/$/, "")}/.ssh/config` : o.userConfig;
    if (user !== null) this.readInput(user, { user: true, neverMatch: false }, true);
    const system = o.systemConfig === undefined ? "/etc/ssh/ssh_config" : o.systemConfig;
    if (system !== null) this.readInput(system, { user: false, neverMatch: false });
  }

  /**
   * Reads a file as read_config_file_depth does, checked before reading (readConfigFile): missing is
   * `undefined`; bad permissions (with `checkPerm`), a FIFO, a device, an over-large file or a read error throw.
   */
  readFile(
    path: string,
    checkPerm: boolean,
    at?: { text: string; file: string | undefined; line: number },
  ): string | undefined {
    return readConfigFile(this.fs, path, { checkPerm, uid: this.options.uid, at });
  }

  readInput(input: ClientConfigInput, flags: FileFlags, checkPerm = false): boolean {
    const active: ActiveRef = { active: true };
    if (typeof input === "string") {
      const text = this.readFile(input, checkPerm);
      if (text === undefined) return false;
      this.readText(text, input, flags, active, 0);
    } else {
      this.readText(input.text, input.file, flags, active, 0);
    }
    return true;
  }

  readText(text: string, file: string | undefined, flags: FileFlags, active: ActiveRef, depth: number): void {
    if (this.pass === 1) this.files.push(displayName(file));
    const doc = parseConfig(text, { file, recover: true });
    const issues: ConfigIssue[] = [];
    if (file !== undefined) this.stack.push(file);
    try {
      for (const line of doc.lines) {
        const source: ValueSource = { kind: "file", file, line: line.line };
        const bad = this.processLine(line, source, displayName(file), flags, active, depth);
        if (bad) {
          issues.push({
            file,
            line: line.line,
            keyword: line.kind === "directive" ? line.keyword : undefined,
            value: line.kind === "directive" ? line.value : undefined,
            message: bad.message,
          });
        }
      }
    } finally {
      if (file !== undefined) this.stack.pop();
    }
    if (issues.length > 0) throw badOptionsError(file, issues);
  }

  addIdentity(path: string, userProvided: boolean, source: ValueSource): BadLine | undefined {
    if (this.identity.some((entry) => entry.userProvided === userProvided && entry.path === path)) return undefined;
    this.identity.push({ path, userProvided, source });
    return undefined;
  }

  /** readconf.c process_config_line_depth for one line; returns the failure, or undefined. */
  processLine(
    line: ConfigLine,
    source: ValueSource,
    name: string,
    flags: FileFlags,
    activeRef: ActiveRef | undefined,
    depth: number,
  ): BadLine | undefined {
    if (line.kind !== "directive") return undefined;
    const cmdline = activeRef === undefined;
    const active = activeRef ? activeRef.active : true;
    const at = `${name} line ${line.line}`;
    const { key } = line;
    if (line.issue && line.args.length === 0 && line.value === "") return new BadLine(line.issue.message);
    // parse_token
    let row = this.keywords.get(key);
    let ignored = false;
    let badToken: string | undefined;
    if (!row) {
      const extension = CLIENT_EXTENSION_KEYWORDS.get(key);
      const ignoreList = this.ignoredUnknown();
      const listed = ignoreList !== undefined && matchPatternList(key, ignoreList, true) === "match";
      if (extension && (!this.strict || listed)) {
        row = extension;
        if (!listed && this.pass === 1) {
          const message = `${name}: line ${line.line}: ${extension.name} is a tsalive keyword that OpenSSH's ssh rejects ("Bad configuration option: ${key}"); to share this file with ssh, put "IgnoreUnknown ${extension.name}" before it`;
          this.extensionNotes.push({
            file: source.kind === "file" ? source.file : "command-line",
            line: line.line,
            keyword: line.keyword,
            value: line.value,
            message,
          });
        }
      } else if (listed) ignored = true;
      else badToken = `${name}: line ${line.line}: Bad configuration option: ${key}`;
    }
    if (line.issue) return new BadLine([badToken, line.issue.message].filter(Boolean).join("\n"));
    if (badToken !== undefined) return new BadLine(badToken);
    if (ignored || !row) return undefined;

    const args = line.args;
    const arg = args[0];
    const assignment: Assignment = { keyword: line.keyword, args, value: line.value, source, pass: this.pass };
    const store = () => {
      if (active) this.record(key, row, assignment);
    };
    const extra = (): BadLine | undefined =>
      args.length > 1 ? new BadLine(`${at}: keyword ${key} extra arguments at end of line`) : undefined;

    switch (row.kind) {
      case "ignore":
      case "deprecated":
        return undefined;
      case "unsupported":
        this.warnings.push({
          file: source.kind === "file" ? source.file : "command-line",
          line: line.line,
          keyword: line.keyword,
          value: line.value,
          message: `${at}: Unsupported option "${key}"`,
        });
        return undefined;
      case "flag":
      case "choice": {
        const words: readonly string[] = CLIENT_CHOICES[row.choices ?? "flag"];
        if (arg === undefined || arg === "") {
          return new BadLine(`${at}: missing argument.\n${at}: unsupported option "${arg ?? "(null)"}".`);
        }
        if (!words.includes(asciiLower(arg))) return new BadLine(`${at}: unsupported option "${arg}".`);
        store();
        return extra();
      }
      case "time": {
        if (arg === undefined || arg === "") return new BadLine(`${at}: missing time value.`);
        if (arg !== "none" && convtime(arg, this.version) === undefined)
          return new BadLine(`${at}: invalid time value.`);
        store();
        return extra();
      }
      case "int": {
        const result = integerValue.safeParse(arg ?? "");
        if (!result.success) return new BadLine(`${at}: ${result.error.issues[0]?.message}`);
        store();
        return extra();
      }
      case "string": {
        if (arg === undefined || arg === "") return new BadLine(`${at}: Missing argument.`);
        store();
        return extra();
      }
      case "word": {
        if (arg === undefined) return new BadLine(`${at}: ${WORD_MISSING.get(key) ?? "Missing argument."}`);
        // LogLevel and SyslogFacility look an empty word up (and fail); the others call it missing.
        if (arg === "" && !(key === "loglevel" || key === "syslogfacility")) {
          return new BadLine(`${at}: ${WORD_MISSING.get(key) ?? "Missing argument."}`);
        }
        const problem = WORD_CHECKS.get(key)?.(arg, this.version);
        if (problem !== undefined) return new BadLine(`${at}: ${problem}`);
        // readconf.c sets SyslogFacility without looking at the block (first value wins), and before 10.6 also
        // StreamLocalBindMask (last value wins), active or not: ssh -G shows it.
        const unconditional =
          key === "syslogfacility" || (key === "streamlocalbindmask" && !opensshAtLeast(this.version, "10.5"));
        if (unconditional) this.record(key, row, assignment);
        else store();
        return extra();
      }
      case "command":
        store();
        return undefined;
      case "list":
        store();
        return undefined;
      case "special":
        return this.special(line, row, assignment, at, name, flags, activeRef, cmdline, depth, extra);
    }
  }

  special(
    line: DirectiveLine,
    row: ClientKeyword,
    assignment: Assignment,
    at: string,
    name: string,
    flags: FileFlags,
    activeRef: ActiveRef | undefined,
    cmdline: boolean,
    depth: number,
    extra: () => BadLine | undefined,
  ): BadLine | undefined {
    const { key, args } = line;
    const arg = args[0];
    const active = activeRef ? activeRef.active : true;
    switch (key) {
      case "host": {
        if (cmdline || !activeRef) return new BadLine("Host directive not supported as a command-line option");
        activeRef.active = false;
        for (const pattern of args) {
          if (pattern === "") return new BadLine(`${at}: keyword ${key} empty argument`);
          if (flags.neverMatch) break;
          const negated = pattern.startsWith("!");
          if (matchPattern(this.matchHost, negated ? pattern.slice(1) : pattern)) {
            if (negated) {
              activeRef.active = false;
              break;
            }
            activeRef.active = true;
          }
        }
        return undefined;
      }
      case "match": {
        if (cmdline || !activeRef) {
          return new BadLine(
            `${opensshAtLeast(this.version, "10.5") ? "Match" : "Host"} directive not supported as a command-line option`,
          );
        }
        let result: 1 | 0;
        let leftover: boolean;
        try {
          if (opensshAtLeast(this.version, "9.9")) {
            const evaluated = evaluateMatchArgs(args, this.matchContext(at, assignment.source));
            result = evaluated.result;
            leftover = evaluated.rest > 0;
          } else {
            const evaluated = this.matchLine(line.value, at, assignment.source);
            result = evaluated.result;
            leftover = evaluated.rest !== null && evaluated.rest !== "";
          }
        } catch (error) {
          // A bad condition leaves the block state as it was, as in readconf.c.
          if (error instanceof MatchFailure) return new BadLine(error.message);
          throw error;
        }
        activeRef.active = flags.neverMatch ? false : result === 1;
        if (leftover) return new BadLine(`${at}: keyword ${key} extra arguments at end of line`);
        return undefined;
      }
      case "obscurekeystroketiming": {
        let value: number | undefined;
        for (const word of args) {
          if (value !== undefined) return new BadLine(`${at}: invalid arguments`);
          if (word === "yes" || word === "true") value = 20;
          else if (word === "no" || word === "false") value = 0;
          else if (word.startsWith("interval:")) {
            const parsed = integerValue.safeParse(word.slice(9));
            if (!parsed.success) return new BadLine(`${at}: ${parsed.error.issues[0]?.message}`);
            value = parsed.data;
            if (value <= 0 || value > 1000) return new BadLine(`${at}: value out of range.`);
          } else return new BadLine(`${at}: unsupported argument "${word}"`);
        }
        if (value === undefined) return new BadLine(`${at}: missing argument`);
        if (active) this.record(key, row, { ...assignment, value: String(value) });
        return undefined;
      }
      case "versionaddendum": {
        const rest = line.value.replace(/^[ \t\r\n=]+/, "");
        if (rest === "") return this.fatal(`${at}: ${key} missing argument.`, line);
        const text = rest.replace(/#.*$/, "").replace(/[ \t\r\n]+$/, "");
        if (active) this.record(key, row, { ...assignment, value: asciiLower(text) === "none" ? "" : text });
        return undefined;
      }
      case "channeltimeout": {
        for (const [i, word] of args.entries()) {
          if (asciiLower(word) === "none") {
            if (i > 0 || args.length > 1)
              return new BadLine(`${at}: keyword ${key} "none" argument must appear alone.`);
            continue;
          }
          const eq = word.indexOf("=");
          if (eq <= 0 || convtime(word.slice(eq + 1), this.version) === undefined) {
            this.fatal(`${at}: invalid channel timeout ${word}`, line);
          }
        }
        if (args.length === 0) this.fatal(`${at}: no ${key} specified`, line);
        if (active && !this.first(key)) this.record(key, row, assignment);
        return undefined;
      }
      case "addkeystoagent": {
        // readconf.c: yes|no|ask|confirm, "confirm TIME", or a TIME alone (yes, with that lifespan).
        const states: Record<string, number> = { true: 1, false: 0, yes: 1, no: 0, ask: 2, confirm: 3 };
        if (arg === undefined || arg === "") return new BadLine(`${at}: missing argument.\n${at}: unsupported option`);
        let state = states[asciiLower(arg)];
        const arg2 = args[1];
        let lifespan = 0;
        if (state === 3 && arg2 !== undefined) {
          const seconds = convtime(arg2, this.version);
          if (seconds === undefined) return new BadLine(`${at}: invalid time value.`);
          lifespan = seconds;
        } else if (state === undefined && arg2 === undefined) {
          const seconds = convtime(arg, this.version);
          if (seconds === undefined) return new BadLine(`${at}: unsupported option`);
          state = 1;
          lifespan = seconds;
        } else if (state === undefined || arg2 !== undefined) return new BadLine(`${at}: unsupported option`);
        if (active && !this.first(key)) this.record(key, row, { ...assignment, value: `${state} ${lifespan}` });
        return args.length > 2 ? new BadLine(`${at}: keyword ${key} extra arguments at end of line`) : undefined;
      }
      case "rekeylimit": {
        if (arg === undefined || arg === "") return new BadLine(`${at}: Missing argument.`);
        let bytes = 0;
        if (arg !== "default") {
          const scanned = scanScaled(arg);
          if (scanned === undefined) return new BadLine(`${at}: Bad number '${arg}': Invalid argument`);
          if (scanned !== 0 && scanned < 16) return new BadLine(`${at}: RekeyLimit too small`);
          bytes = scanned;
        }
        let interval = "";
        const time = args[1];
        if (time !== undefined && time !== "none") {
          if (time === "") return new BadLine(`${at}: missing time value.`);
          const seconds = convtime(time, this.version);
          if (seconds === undefined) return new BadLine(`${at}: invalid time value.`);
          interval = String(seconds);
        }
        if (active) this.record(key, row, { ...assignment, value: `${bytes} ${interval}` });
        return args.length > 2 ? new BadLine(`${at}: keyword ${key} extra arguments at end of line`) : undefined;
      }
      case "ipqos": {
        const values: number[] = [];
        for (const word of args.slice(0, 2).length ? args.slice(0, 2) : ["(null)"]) {
          const value = parseIpqos(word, this.version);
          if (value === undefined) return new BadLine(`${at}: Bad IPQoS value: ${word}`);
          values.push(value);
        }
        if (active && !this.first(key)) {
          const [interactive = 0, bulk = interactive] = values;
          this.record(key, row, { ...assignment, value: `${interactive} ${bulk}` });
        }
        return args.length > 2 ? new BadLine(`${at}: keyword ${key} extra arguments at end of line`) : undefined;
      }
      case "refuseconnection": {
        if (arg === undefined || arg === "") return new BadLine(`${at}: Missing argument.`);
        if (active) return this.fatal(`${at}: RefuseConnection: ${arg}`, line);
        return extra();
      }
      case "include":
        return this.include(line, at, flags, activeRef, cmdline, depth);
      case "port": {
        if (arg === undefined || arg === "") return new BadLine(`${at}: Missing argument.`);
        if (this.a2port(arg) <= 0) return new BadLine(`${at}: Bad port '${arg}'.`);
        if (active) this.record(key, row, assignment);
        return extra();
      }
      case "hostname":
      case "forwardagent": {
        if (arg === undefined || arg === "") {
          return new BadLine(`${at}: ${key === "hostname" ? "Missing argument." : "missing argument."}`);
        }
        if (active) this.record(key, row, assignment);
        return extra();
      }
      case "identityfile":
      case "identityfile2": {
        if (arg === undefined || arg === "") return new BadLine(`${at}: Missing argument.`);
        if (active) {
          if (this.identity.length >= SSH_MAX_IDENTITY_FILES) {
            return new BadLine(`${at}: Too many identity files specified (max ${SSH_MAX_IDENTITY_FILES}).`);
          }
          this.record("identityfile", row, assignment);
          this.addIdentity(arg, flags.user, assignment.source);
        }
        return extra();
      }
      case "proxycommand": {
        const command = line.value.replace(/^[ \t\r\n=]+/, "");
        if (active && this.proxy === undefined)
          this.proxy = { kind: "command", assignment: { ...assignment, value: command } };
        if (active) this.record(key, row, { ...assignment, value: command });
        return undefined;
      }
      case "proxyjump": {
        const value = line.value.replace(/^[ \t\r\n=]+/, "");
        if (!parseProxyJump(value, this.version)) return new BadLine(`${at}: Invalid ProxyJump "${value}"`);
        if (active && this.proxy === undefined) this.proxy = { kind: "jump", assignment: { ...assignment, value } };
        if (active) this.record(key, row, { ...assignment, value });
        return undefined;
      }
      default:
        return new BadLine(`${at}: Unimplemented opcode ${name}`);
    }
  }

  /** ssh's fatal() while reading: the one message, at once. */
  fatal(message: string, line: DirectiveLine): never {
    const file = this.stack[this.stack.length - 1] ?? "command-line";
    throw new ConfigError("CONFIG_INVALID", message, [
      { file, line: line.line, keyword: line.keyword, value: line.value, message },
    ]);
  }

  /** readconf.c match_cfg_line with this resolver's state: the host, user and port known so far. */
  matchLine(condition: string, at: string, source: ValueSource): { result: 1 | 0; rest: string | null } {
    return evaluateMatch(condition, this.matchContext(at, source));
  }

  matchContext(at: string, source: ValueSource): MatchContext {
    const o = this.options;
    const final = this.pass === 2;
    const hostName = this.first("hostname");
    const host = final
      ? (this.finalHostName as string)
      : hostName
        ? this.expand(hostName.args[0] ?? "", { h: this.matchHost }, hostName.source)
        : this.matchHost;
    return {
      openssh: this.version,
      tag: this.first("tag")?.args[0],
      remoteCommand: o.remoteCommand ?? this.first("remotecommand")?.value.replace(/^[ \t\r\n=]+/, ""),
      sessionType: asciiLower(this.first("sessiontype")?.args[0] ?? "default"),
      localAddresses: o.localAddresses,
      at,
      source,
      final,
      host,
      originalHost: this.originalHost,
      user: this.currentUser(),
      localUser: o.localUser,
      port: this.currentPort(),
      hostKeyAlias: this.first("hostkeyalias")?.args[0],
      home: o.home,
      localHostname: o.localHostname,
      uid: o.uid,
      exec: o.exec,
      expand: (text, tokens) => this.expand(text, tokens, source),
      requestFinalPass: () => {
        this.wantFinal = true;
      },
    };
  }

  /** readconf.c expand_match_exec_or_include_path for an Include path: %-tokens, then `${VAR}`. */
  expandInclude(arg: string, at: string, line: DirectiveLine): string | undefined {
    const context = this.matchContext(at, { kind: "file", file: this.stack[this.stack.length - 1], line: line.line });
    const jump = this.proxy?.kind === "jump" ? parseProxyJump(this.proxy.assignment.value, this.version) : undefined;
    const jumpHost = jump && !jump.none ? (jump.hops[jump.hops.length - 1]?.host ?? "") : "";
    const env = this.options.environment ?? { HOME: this.options.home };
    // vdollar_percent_expand: an unknown %-token is fatal; an unset variable skips the path with an error.
    const percent = percentExpand(
      arg.replace(/\$\{[^}]*\}/g, (v) => v.replaceAll("%", "%%")),
      { ...execTokens(context), j: jumpHost },
    );
    if (percent.error !== undefined) {
      const why = percent.error.replace(/^percent_expand: /, "");
      this.fatal(`vdollar_percent_expand: ${why}\npercent_dollar_expand: failed`, line);
    }
    let missing: string | undefined;
    const value = percent.value.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
      const found = name === "" ? undefined : env[name];
      if (found === undefined) missing ??= name;
      return found ?? "";
    });
    if (missing !== undefined) {
      const why = missing === "" ? "zero-length environment variable" : `env var \${${missing}} has no value`;
      this.warnings.push({
        file: this.stack[this.stack.length - 1],
        line: line.line,
        keyword: line.keyword,
        value: line.value,
        message: `vdollar_percent_expand: ${why}\n${at}: Unable to expand user config file '${arg}'`,
      });
      return undefined;
    }
    return value;
  }

  include(
    line: DirectiveLine,
    at: string,
    flags: FileFlags,
    activeRef: ActiveRef | undefined,
    cmdline: boolean,
    depth: number,
  ): BadLine | undefined {
    if (cmdline || !activeRef) return new BadLine("Include directive not supported as a command-line option");
    for (const written of line.args) {
      if (written === "") return new BadLine(`${at}: keyword ${line.key} empty argument`);
      let arg = written;
      if (opensshAtLeast(this.version, "9.9")) {
        // 9.9: %-tokens and ${ENV} are expanded first.
        const expanded = this.expandInclude(written, at, line);
        if (expanded === undefined) continue;
        arg = expanded;
      }
      if (arg.startsWith("~") && !flags.user) return new BadLine(`${at}: bad include path ${arg}.`);
      const path = arg.startsWith("/") || arg.startsWith("~") ? arg : `${flags.user ? "~/.ssh" : "/etc/ssh"}/${arg}`;
      const outerActive = activeRef.active;
      const globHome = this.options.environment?.HOME ?? this.options.home;
      let files: string[];
      try {
        files = expandIncludeGlob(path, this.fs, globHome);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const message = `${at}: ${error.message}`;
        const file = this.stack[this.stack.length - 1];
        throw new ConfigError(error.code, message, [
          { file, line: line.line, keyword: line.keyword, value: line.value, message },
        ]);
      }
      for (const file of files) {
        if (depth + 1 > READCONF_MAX_DEPTH || this.stack.includes(file)) {
          const chain = [...this.stack, file].join(" -> ");
          const message = `${at}: Too many recursive configuration includes (Include loop: ${chain})`;
          throw new ConfigError("CONFIG_INCLUDE_LOOP", message, [
            {
              file: this.stack[this.stack.length - 1],
              line: line.line,
              keyword: line.keyword,
              value: line.value,
              message,
            },
          ]);
        }
        const text = this.readFile(file, true, { text: at, file: this.stack[this.stack.length - 1], line: line.line });
        if (text !== undefined) {
          this.readText(
            text,
            file,
            { user: flags.user, neverMatch: flags.neverMatch || !outerActive },
            activeRef,
            depth + 1,
          );
        }
        // Match state inside an included file does not leak into the including one.
        activeRef.active = outerActive;
      }
    }
    return undefined;
  }
}

/**
 * Reads the client configuration as `ssh -G` does and returns every active assignment with its source. Most
 * callers want {@linkcode resolveClientConfig}, which types the values.
 *
 * @throws {ConfigError} as ssh fails: bad lines (`CONFIG_INVALID`, every bad line of the file), an include loop,
 *   a `Match exec` without `exec`, a missing `configFile`.
 * @example
 * ```ts
 * import { readClientConfig } from "./resolve.ts";
 * const resolution = readClientConfig({
 *   host: "web",
 *   localUser: "me",
 *   home: "/home/me",
 *   configFile: { text: "Host web\n  ServerAliveInterval 15\n", file: "config" },
 * });
 * resolution.settings.get("serveraliveinterval")?.assignments[0]?.args; // ["15"]
 * ```
 */
export function readClientConfig(options: ResolveClientOptions): ClientResolution {
  return new ClientReader(options).run();
}
