import { EventEmitter } from "node:events";
import { open } from "node:fs/promises";
import { matchPattern, matchPatternList } from "@tsalive/config/unstable";
import type { Session } from "ssh2";
import type { KeyOptions } from "./auth_options.ts";
import type { Log } from "./log.ts";
import type { AccessPolicy } from "./policy.ts";
import type { Account } from "./users.ts";

/** What a session's requests are checked against: the connection's policy and the key line's options. */
export interface SessionRules {
  readonly policy: AccessPolicy;
  readonly key: KeyOptions;
  readonly account: Account;
  readonly log: Log;
  /** `USER from ADDR port P`, for `Starting session` lines. */
  readonly from: string;
  /** The channel's id, for `Starting session … id N`. */
  readonly id: number;
  /** The configuration's `Subsystem` lines by name (a forced command replaces what a found one would run). */
  readonly subsystems: ReadonlyMap<string, string>;
  /** ~/.ssh/environment, read at authentication when PermitUserEnvironment allows it ({@linkcode readEnvironmentFile}). */
  readonly environmentFile: readonly (readonly [string, string])[];
}

/** sshd's limit on the env requests of one session (session.c: more than 128 are ignored). */
const MAX_ENV = 128;

/**
 * The variables do_setup_env sets after the client's accepted ones, so a client's value never survives: USER,
 * LOGNAME, HOME, PATH, MAIL, SHELL, SSH_CLIENT, SSH_CONNECTION, and TZ when sshd itself has one.
 */
const SET_AFTER_CLIENT = ["USER", "LOGNAME", "HOME", "PATH", "MAIL", "SHELL", "SSH_CLIENT", "SSH_CONNECTION"];

/** Set after SetEnv and `environment=` too, so those cannot replace them either. */
const SET_LAST = ["SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "SSH_ORIGINAL_COMMAND", "SSH_AUTH_SOCK", "SSH_USER_AUTH"];

const MAX_ENVIRONMENT_FILE_BYTES = 64 * 1024;

type Listener = Parameters<EventEmitter["on"]>[1];
type Accept = (() => unknown) | undefined;
type Reject = (() => void) | undefined;

/**
 * ~/.ssh/environment as session.c `read_environment_file` reads it (PermitUserEnvironment): `NAME=value` lines,
 * blank and `#` lines skipped, names outside the allowlist skipped; read without blocking, regular files only.
 */
export async function readEnvironmentFile(path: string, allowlist: string | undefined): Promise<[string, string][]> {
  const entries: [string, string][] = [];
  let text: string;
  try {
    const handle = await open(path, "r");
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.size > MAX_ENVIRONMENT_FILE_BYTES) return entries;
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return entries;
  }
  for (const raw of text.split("\n").slice(0, 1000)) {
    const line = raw.replace(/^[ \t]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq === -1) continue;
    const name = line.slice(0, eq);
    if (allowlist !== undefined && matchPatternList(name, allowlist, false) !== "match") continue;
    entries.push([name, line.slice(eq + 1)]);
  }
  return entries;
}

/**
 * The environment sshd's do_setup_env adds after the client's: MAIL (and TZ), the key's `environment=` and
 * ~/.ssh/environment when PermitUserEnvironment allows them, then SetEnv; each may replace USER, HOME, PATH or
 * SHELL as in sshd, but never the SSH_* variables sshd sets last.
 */
function serverEnvironment(rules: SessionRules): [string, string][] {
  const { policy, key, account } = rules;
  const env: [string, string][] = [["MAIL", `/var/mail/${account.name}`]];
  if (process.env.TZ !== undefined) env.push(["TZ", process.env.TZ]);
  if (policy.permitUserEnvironment !== false) {
    const allowlist = typeof policy.permitUserEnvironment === "string" ? policy.permitUserEnvironment : undefined;
    for (const entry of key.environment) {
      const eq = entry.indexOf("=");
      const name = entry.slice(0, eq);
      if (allowlist === undefined || matchPatternList(name, allowlist, false) === "match")
        env.push([name, entry.slice(eq + 1)]);
    }
    env.push(...rules.environmentFile.map(([name, value]): [string, string] => [name, value]));
  }
  for (const entry of policy.setEnv) {
    const eq = entry.indexOf("=");
    env.push([entry.slice(0, eq), entry.slice(eq + 1)]);
  }
  return env.filter(([name]) => !SET_LAST.includes(name));
}

/**
 * A view of an ssh2 session that applies sshd's per-session rules before the session code sees a request:
 * - `pty-req` is refused when the key says `no-pty`/`restrict` or PermitTTY is no;
 * - `env` is accepted only for names AcceptEnv lists, and never reaches the variables sshd sets after it;
 * - `exec`, `shell` and a configured `subsystem` run ForceCommand, else the key's `command=`, with
 *   SSH_ORIGINAL_COMMAND;
 * - the server's own environment (SetEnv, `environment=` with PermitUserEnvironment) is handed over as env
 *   requests just before the command starts, so it lands where sshd puts it.
 *
 * The session code registers its listeners on the returned object exactly as on an ssh2 Session.
 */
export function applySessionRules(session: Session, rules: SessionRules): Session {
  const { policy, key, log } = rules;
  const view = new EventEmitter();
  let envCount = 0;
  let pty = false;
  const emitEnv = (name: string, value: string) => {
    view.emit(
      "env",
      () => undefined,
      () => undefined,
      { key: name, val: value },
    );
  };
  session.on("pty", (accept: Accept, reject: Reject, info: unknown) => {
    if (!key.permitPty || !policy.permitTTY) {
      log.debug("Allocating a pty not permitted for this connection.");
      reject?.();
      return;
    }
    pty = true;
    if (view.listenerCount("pty") === 0) return reject?.();
    // SetEnv or environment= TERM comes after the pty's TERM in sshd's do_setup_env, so it wins there too.
    const term = serverEnvironment(rules)
      .filter(([name]) => name === "TERM")
      .at(-1);
    view.emit("pty", accept, reject, term === undefined ? info : { ...(info as object), term: term[1] });
  });
  session.on("env", (accept: Accept, reject: Reject, info: { key: string; val: string }) => {
    if (envCount > MAX_ENV) {
      log.debug(`Ignoring env request ${info.key}: too many env vars`);
      return reject?.();
    }
    if (!policy.acceptEnv.some((pattern) => matchPattern(info.key, pattern))) {
      log.debug(`Ignoring env request ${info.key}: disallowed name`);
      return reject?.();
    }
    envCount++;
    const replacedLater =
      SET_AFTER_CLIENT.includes(info.key) ||
      (info.key === "TZ" && process.env.TZ !== undefined) ||
      (pty && (info.key === "TERM" || info.key === "SSH_TTY"));
    if (replacedLater) return accept?.();
    view.emit("env", accept, reject, info);
  });
  const start = (command: string | undefined, accept: Accept, reject: Reject) => {
    let run = command;
    let forced: string | undefined;
    if (policy.forceCommand !== undefined) {
      run = policy.forceCommand;
      forced = "(config)";
    } else if (key.forceCommand !== undefined) {
      run = key.forceCommand;
      forced = "(key-option)";
    }
    const type =
      forced !== undefined
        ? `forced-command ${forced} '${(run as string).slice(0, 900)}'`
        : command === undefined
          ? "shell"
          : "command";
    const go = (env: readonly [string, string][]) => {
      for (const [name, value] of env) emitEnv(name, value);
      if (forced !== undefined && command !== undefined) emitEnv("SSH_ORIGINAL_COMMAND", command);
      log.info(`Starting session: ${type} for ${rules.from} id ${rules.id}`);
      if (run === undefined) view.emit("shell", accept, reject);
      else view.emit("exec", accept, reject, { command: run });
    };
    // Synchronously: ssh2 refuses a late accept once the client's EOF, often in the same batch of packets, is in.
    go(serverEnvironment(rules));
  };
  session.on("shell", (accept: Accept, reject: Reject) => start(undefined, accept, reject));
  // session.c session_subsystem_req: a configured subsystem goes through do_exec, where a forced command wins.
  session.on("subsystem", (accept: Accept, reject: Reject, info: { name: string }) => {
    if (policy.forceCommand === undefined && key.forceCommand === undefined) {
      if (view.listenerCount("subsystem") === 0) return reject?.();
      view.emit("subsystem", accept, reject, info);
      return;
    }
    const command = rules.subsystems.get(info.name);
    if (command === undefined) {
      log.info(
        `subsystem request for ${info.name.slice(0, 100)} by user ${rules.account.name} failed, subsystem not found`,
      );
      return reject?.();
    }
    start(command, accept, reject);
  });
  session.on("exec", (accept: Accept, reject: Reject, info: { command: string }) =>
    start(info.command, accept, reject),
  );
  const filtered = new Set(["pty", "env", "shell", "exec", "subsystem"]);
  // Every other event (window-change, subsystem, signal, close, …) passes straight through.
  return new Proxy(session, {
    get(target, property, receiver) {
      if (property === "on" || property === "addListener" || property === "once") {
        return (event: string, listener: Listener) => {
          if (filtered.has(event)) view[property === "once" ? "once" : "on"](event, listener);
          else target[property === "once" ? "once" : "on"](event, listener);
          return receiver;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
