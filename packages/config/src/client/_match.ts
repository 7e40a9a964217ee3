import { strdelim } from "../_argv.ts";
import { MatchFailure } from "../_match_failure.ts";
import { ConfigError } from "../errors.ts";
import { type OpenSshVersion, opensshAtLeast } from "../openssh_version.ts";
import { asciiLower } from "../parse.ts";
import { matchHostname, matchPatternList } from "../pattern.ts";
import { matchAddressList } from "../server/address.ts";
import type { ValueSource } from "../source.ts";
import { sha1Hex } from "./_sha1.ts";

/** What a Match condition is evaluated against: the state of the configuration when the line is read. */
export interface MatchContext {
  /** `FILE line N`, for messages. */
  readonly at: string;
  readonly source: ValueSource;
  /** Whether this is the final pass (`Match final` / `canonical` match only then). */
  readonly final: boolean;
  /** The host for `Match host` and `%h`: HostName (expanded) once set, else the destination. */
  readonly host: string;
  /** The destination as given, for `Match originalhost` and `%n`. */
  readonly originalHost: string;
  /** The remote user so far (User, or the local user). */
  readonly user: string;
  readonly localUser: string;
  /** The port so far (Port, or 22). */
  readonly port: number;
  readonly hostKeyAlias: string | undefined;
  readonly home: string;
  readonly localHostname: string | undefined;
  readonly uid: number | undefined;
  readonly exec: ((command: string) => boolean) | undefined;
  /** %-expansion that throws ssh's error for an unknown token. */
  readonly expand: (text: string, tokens: Record<string, string>) => string;
  /** `Match final` asks for a second pass. */
  readonly requestFinalPass: () => void;
  /** The release whose criteria and messages apply (9.2 when omitted). */
  readonly openssh?: OpenSshVersion | undefined;
  /** `Tag` so far (`Match tagged`, 9.4). */
  readonly tag?: string | undefined;
  /** The remote command (`Match command` and `sessiontype`, 10.0). */
  readonly remoteCommand?: string | undefined;
  /** `SessionType` so far, lower case (`Match sessiontype`). */
  readonly sessionType?: string | undefined;
  /** The local interface addresses (`Match localnetwork`, 9.4). */
  readonly localAddresses?: readonly string[] | undefined;
}

/** What `Match version` compares against (SSH_RELEASE). */
const SSH_RELEASE: Readonly<Record<OpenSshVersion, string>> = {
  "9.2": "OpenSSH_9.2p1",
  "10.0": "OpenSSH_10.0p2",
  "10.6": "OpenSSH_10.6p1",
};

const PREFIXED = ["host", "originalhost", "user", "localuser", "localnetwork", "version", "tagged", "command", "exec"];

/**
 * readconf.c `match_cfg_line` as 9.9 and later run it: the criteria are the line's `argv_split` tokens (quotes
 * work like a shell's), `criterion=argument` is one token (10.0), and `tagged`, `localnetwork`, `version`,
 * `command`, `sessiontype` exist. From 10.1, `Match !final` no longer asks for a final pass. Returns 1 or 0 and how
 * many tokens are left (ssh rejects leftovers as extra arguments).
 *
 * @throws {MatchFailure} for a bad condition; {ConfigError} `CONFIG_EXEC_DENIED` as {@linkcode evaluateMatch}.
 */
export function evaluateMatchArgs(args: readonly string[], context: MatchContext): { result: 1 | 0; rest: number } {
  const { at, final, host } = context;
  const version = context.openssh ?? "10.0";
  let i = 0;
  let result: 1 | 0 = 1;
  let attributes = 0;
  const fail = (message: string): never => {
    throw new MatchFailure(`${message}\n${at}: Bad Match condition`);
  };
  while (i < args.length) {
    const oattrib = args[i++] as string;
    if (oattrib.startsWith("#")) return { result, rest: 0 };
    const negate = oattrib.startsWith("!");
    let attrib = negate ? oattrib.slice(1) : oattrib;
    if (asciiLower(attrib) === "all") {
      const arg = args[i];
      if (attributes > 1 || (arg !== undefined && arg !== "" && !arg.startsWith("#"))) {
        fail(`${at}: '${oattrib}' cannot be combined with other Match attributes`);
      }
      if (arg !== undefined) i++;
      if (arg?.startsWith("#")) i = args.length;
      if (result) result = negate ? 0 : 1;
      return { result, rest: args.length - i };
    }
    attributes++;
    const lower = asciiLower(attrib);
    if (lower === "canonical" || lower === "final") {
      if (lower === "final" && !final && (!negate || !opensshAtLeast(version, "10.1"))) context.requestFinalPass();
      if (final === negate) result = 0;
      continue;
    }
    let arg: string | undefined;
    const eq = attrib.indexOf("=");
    if (eq > 0 && PREFIXED.includes(asciiLower(attrib.slice(0, eq)))) {
      arg = attrib.slice(eq + 1);
      attrib = attrib.slice(0, eq);
    } else {
      arg = args[i++];
      if (arg === undefined) fail(`${at}: missing argument for Match '${oattrib}'`);
    }
    const criterion = asciiLower(attrib);
    const patterns = arg as string;
    if (patterns === "" && criterion !== "tagged" && criterion !== "command")
      fail(`Missing Match criteria for ${attrib}`);
    if (patterns.startsWith("#")) fail(`Missing Match criteria for ${attrib}`);
    let matched: boolean;
    switch (criterion) {
      case "host":
        matched = matchHostname(host, patterns) === "match";
        break;
      case "originalhost":
        matched = matchHostname(context.originalHost, patterns) === "match";
        break;
      case "user":
        matched = matchPatternList(context.user, patterns, false) === "match";
        break;
      case "localuser":
        matched = matchPatternList(context.localUser, patterns, false) === "match";
        break;
      case "localnetwork": {
        const problem = cidrListProblem(patterns);
        if (problem !== undefined) fail(problem);
        matched = (context.localAddresses ?? []).some((address) => matchAddressList(address, patterns) === "match");
        break;
      }
      case "version":
        matched = matchPatternList(SSH_RELEASE[version], patterns, false) === "match";
        break;
      case "tagged":
      case "command": {
        const subject = (criterion === "tagged" ? context.tag : context.remoteCommand) ?? "";
        matched = subject === "" ? patterns === "" : matchPatternList(subject, patterns, false) === "match";
        break;
      }
      case "sessiontype": {
        const type =
          context.sessionType === "subsystem"
            ? "subsystem"
            : context.sessionType === "none"
              ? "none"
              : context.remoteCommand
                ? "exec"
                : "shell";
        matched = matchPatternList(type, patterns, false) === "match";
        break;
      }
      case "exec": {
        const command = context.expand(patterns, execTokens(context));
        if (result !== 1) continue;
        matched = runExec(command, context);
        break;
      }
      default:
        return fail(`Unsupported Match attribute ${attrib}`);
    }
    if (matched === negate) result = 0;
  }
  if (attributes === 0) fail("One or more attributes required for Match");
  return { result, rest: 0 };
}

/** addrmatch.c addr_match_cidr_list's checks of the list itself, with its messages; undefined when valid. */
function cidrListProblem(list: string): string | undefined {
  for (const entry of list.split(",")) {
    const shown = entry.slice(0, 100);
    // strsep has cut the list at its first comma by then, so ssh shows only the first entry.
    if (entry === "") return `addr_match_cidr_list: empty entry in list "${(list.split(",")[0] ?? "").slice(0, 100)}"`;
    if (entry.length > 46 + 3) return `addr_match_cidr_list: list entry "${shown}" too long`;
    const invalid = !/^[0-9a-fA-F.:/]*$/.test(entry);
    const prefix = invalid ? `addr_match_cidr_list: list entry "${shown}" contains invalid characters\n` : "";
    const [address = "", length] = entry.split("/", 2);
    if (!parseable(address) || (length !== undefined && !/^[0-9]+$/.test(length))) {
      return `${prefix}Invalid network entry "${shown}"`;
    }
    if (matchAddressList(undefined, entry) === "invalid")
      return `${prefix}Inconsistent mask length for network "${shown}"`;
    if (invalid) return `${prefix}Invalid network entry "${shown}"`;
  }
  return undefined;
}

/** Whether `entry` parses as a plain address (addr_pton). */
function parseable(entry: string): boolean {
  return matchAddressList(entry, "0.0.0.0/0,::/0") === "match";
}

function runExec(command: string, context: MatchContext): boolean {
  if (!context.exec) {
    const message = `${context.at}: Match exec "${command}" needs a command runner: pass the exec option (nodeExec from @tsalive/config/node runs it through /bin/sh -c as ssh does)`;
    const where = context.source.kind === "file" ? context.source : undefined;
    throw new ConfigError("CONFIG_EXEC_DENIED", message, [
      { file: where?.file, line: where?.line ?? 0, keyword: "Match", value: undefined, message },
    ]);
  }
  return context.exec(command);
}

/**
 * readconf.c `match_cfg_line`: evaluates the criteria of a `Match` line (tokenised with `strdelim`, like ssh) and
 * returns 1 or 0 and what is left of the line (ssh rejects leftovers as extra arguments). Every criterion is
 * evaluated (so errors are found), but `exec` runs only while the others matched, as ssh does.
 *
 * @throws {MatchFailure} for a bad condition; {ConfigError} `CONFIG_EXEC_DENIED` when a command would run and the
 *   context has no `exec`.
 */
export function evaluateMatch(condition: string, context: MatchContext): { result: 1 | 0; rest: string | null } {
  const { at, final, host } = context;
  let cp: string | null = condition;
  let result: 1 | 0 = 1;
  let attributes = 0;
  const fail = (message: string): never => {
    throw new MatchFailure(`${message}\n${at}: Bad Match condition`);
  };
  for (;;) {
    const next = strdelim(cp);
    cp = next.rest;
    const oattrib = next.token;
    if (oattrib === null || oattrib === "") break;
    if (oattrib.startsWith("#")) {
      cp = null;
      break;
    }
    const negate = oattrib.startsWith("!");
    const attrib = negate ? oattrib.slice(1) : oattrib;
    const criterion = asciiLower(attrib);
    if (criterion === "all") {
      // OpenSSH's test: more than one criterion before `all`, or anything but a comment after it.
      if (attributes > 1) fail(`${at}: '${oattrib}' cannot be combined with other Match attributes`);
      const after = strdelim(cp);
      cp = after.rest;
      const arg = after.token;
      if (arg !== null && arg !== "" && !arg.startsWith("#")) {
        fail(`${at}: '${oattrib}' cannot be combined with other Match attributes`);
      }
      if (arg?.startsWith("#")) cp = null;
      if (result) result = negate ? 0 : 1;
      return { result, rest: cp };
    }
    attributes++;
    if (criterion === "canonical" || criterion === "final") {
      if (criterion === "final" && !final) context.requestFinalPass();
      if (final === negate) result = 0;
      continue;
    }
    const criteria = strdelim(cp);
    cp = criteria.rest;
    const arg = criteria.token;
    if (arg === null || arg === "" || arg.startsWith("#")) fail(`Missing Match criteria for ${attrib}`);
    const patterns = arg as string;
    let matched: boolean;
    switch (criterion) {
      case "host":
        matched = matchHostname(host, patterns) === "match";
        break;
      case "originalhost":
        matched = matchHostname(context.originalHost, patterns) === "match";
        break;
      case "user":
        matched = matchPatternList(context.user, patterns, false) === "match";
        break;
      case "localuser":
        matched = matchPatternList(context.localUser, patterns, false) === "match";
        break;
      case "exec": {
        const command = context.expand(patterns, execTokens(context));
        // ssh skips the command once an earlier criterion failed.
        if (result !== 1) continue;
        matched = runExec(command, context);
        break;
      }
      default:
        return fail(`Unsupported Match attribute ${attrib}`);
    }
    if (matched === negate) result = 0;
  }
  if (attributes === 0) fail("One or more attributes required for Match");
  return { result, rest: cp };
}

/** The %-tokens of `Match exec` and (9.9) `Include` (readconf.c): %C %L %d %h %k %l %n %p %r %u %i. */
export function execTokens(context: MatchContext): Record<string, string> {
  const thisHost = context.localHostname ?? "localhost";
  const port = String(context.port);
  return {
    C: sha1Hex(thisHost + context.host + port + context.user),
    L: thisHost.split(".")[0] as string,
    d: context.home,
    h: context.host,
    k: context.hostKeyAlias ?? context.host,
    l: thisHost,
    n: context.originalHost,
    p: port,
    r: context.user,
    u: context.localUser,
    i: String(context.uid ?? 0),
  };
}
