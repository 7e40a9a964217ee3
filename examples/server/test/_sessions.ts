/**
 * Reading Unix sessions from Linux's `/proc` for the watchdog tests, independently of the supervisor's own reader,
 * and the two real clients started with their standard input from a file (so a pty shell can be given commands).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import {
  findBinary,
  type Generation,
  registerCleanup,
  skipUnlessGeneration,
  skipUnlessPeers,
  spawnProcess,
  startDbclient,
  startSshClient,
  type TempDir,
  toDropbearKey,
  waitUntil,
} from "@tsalive/test-support";
import { loadPty } from "../src/pty.ts";
import type { TsaliveSshd } from "./_server.ts";

/** A process with the ids that decide whether the watchdog reaches it. */
export interface Member {
  readonly pid: number;
  readonly pgrp: number;
  readonly session: number;
  readonly state: string;
  /** Start time in clock ticks after boot: with the PID, names the process for good. */
  readonly start: number;
  readonly args: string;
}

function read(pid: number): Member | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      pid,
      pgrp: Number(fields[2]),
      session: Number(fields[3]),
      state: fields[0] ?? "",
      start: Number(fields[19]),
      args,
    };
  } catch {
    return undefined;
  }
}

/** Every live (not zombie) process now. */
export function processes(): Member[] {
  const all: Member[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(name)) continue;
    const member = read(Number(name));
    if (member !== undefined && member.state !== "Z" && member.state !== "X") all.push(member);
  }
  return all;
}

/** The live processes of session `session`. */
export function sessionMembers(session: number): Member[] {
  return processes().filter((member) => member.session === session);
}

/** Whether this very process (same PID, same start time) still runs and is not a zombie. */
export function stillRunning(member: Member): boolean {
  const now = read(member.pid);
  return now !== undefined && now.start === member.start && now.state !== "Z" && now.state !== "X";
}

/** SIGKILLs each of `members` that is still the same process: the tests' cleanup. */
export function killSurvivors(members: readonly Member[]): void {
  for (const member of members) {
    if (!stillRunning(member)) continue;
    try {
      process.kill(member.pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/** How a client is asked for its session. */
export interface ClientRequest {
  /** The remote command; none asks for a shell. */
  readonly command?: string;
  /** Ask for this subsystem instead (`-s`). */
  readonly subsystem?: string;
  /**
   * Run the client on a terminal of its own (node-pty) and ask for a pty (`ssh -t`, `dbclient -t`, which needs a
   * terminal on its standard input); `input` is typed into it, and the terminal stays open.
   */
  readonly pty?: boolean;
  /** What the client reads on its standard input and sends (without a pty: from a file, then EOF). */
  readonly input?: string;
}

/** A running client: freeze it (SIGSTOP) to make it silent, stop it (and everything below it) when done. */
export interface RunningClient {
  readonly pid: number;
  freeze(): void;
  thaw(): void;
  stop(grace?: number): Promise<unknown>;
}

/** A real client, with its skip reason. */
export interface Client {
  readonly name: string;
  readonly skip: string | false;
  start(server: TsaliveSshd, user: string, dir: TempDir, request: ClientRequest): RunningClient;
}

/** The host's OpenSSH `ssh` and Dropbear `dbclient`. */
export const CLIENTS: readonly Client[] = [
  {
    name: "ssh",
    skip: skipUnlessPeers("ssh"),
    start: (server, user, dir, request) =>
      startClient(dir, "ssh", request, [
        ...["-i", server.clientKey.privatePath, "-p", String(server.port), "-F", "/dev/null"],
        ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes"],
        ...["-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"],
        ...(request.pty === true ? ["-t"] : ["-T"]),
        ...(request.subsystem === undefined ? [] : ["-s"]),
        `${user}@127.0.0.1`,
        ...remote(request),
      ]),
  },
  {
    name: "dbclient",
    skip: skipUnlessPeers("dbclient"),
    start: (server, user, dir, request) =>
      startClient(dir, "dbclient", request, [
        ...["-y", "-y", "-i", toDropbearKey(server.clientKey), "-p", String(server.port)],
        ...(request.pty === true ? ["-t"] : ["-T"]),
        ...(request.subsystem === undefined ? [] : ["-s"]),
        `${user}@127.0.0.1`,
        ...remote(request),
      ]),
  },
];

/**
 * The newer generations' `ssh` and `dbclient` (Debian roots, through test-support's launchers): sessions without a
 * pty and without input.
 */
export const NEWER_CLIENTS: readonly Client[] = (["trixie", "forky"] as const satisfies readonly Generation[]).flatMap(
  (generation): Client[] => {
    const check = (request: ClientRequest): void => {
      if (request.pty === true || request.input !== undefined) throw new Error("no terminal for a root generation");
    };
    const args = (request: ClientRequest): string[] => ["-T", ...(request.subsystem === undefined ? [] : ["-s"])];
    return [
      {
        name: `${generation} ssh`,
        skip: skipUnlessGeneration(generation, "ssh"),
        start: (server, user, _dir, request) => {
          check(request);
          const [command] = remote(request);
          return startSshClient({
            generation,
            port: server.port,
            user,
            identity: server.clientKey.privatePath,
            args: args(request),
            ...(command !== undefined && { command }),
          });
        },
      },
      {
        name: `${generation} dbclient`,
        skip: skipUnlessGeneration(generation, "dbclient"),
        start: (server, user, _dir, request) => {
          check(request);
          const [command] = remote(request);
          return startDbclient({
            generation,
            port: server.port,
            user,
            identity: toDropbearKey(server.clientKey),
            args: args(request),
            ...(command !== undefined && { command }),
          });
        },
      },
    ];
  },
);

/** The last arguments: the subsystem's name, or the command. */
function remote(request: ClientRequest): string[] {
  if (request.subsystem !== undefined) return [request.subsystem];
  return request.command === undefined ? [] : [request.command];
}

let inputs = 0;

/**
 * The first line a login shell on a terminal reads: the user's own profile may run commands at every prompt (root's
 * .bashrc here has pyenv's PROMPT_COMMAND hook, which runs `stat`), and those would be members of the session the
 * scenario did not start, caught by the watchdog at random.
 */
const QUIET_PROMPT = "unset PROMPT_COMMAND; PS1='$ '\n";

/**
 * Starts `binary args…`: on a terminal of its own when a pty is asked for, else with standard input from a file
 * holding the input (`exec`, so the PID is the client's).
 */
function startClient(
  dir: TempDir,
  binary: "ssh" | "dbclient",
  request: ClientRequest,
  args: readonly string[],
): RunningClient {
  const path = findBinary(binary);
  if (path === undefined) throw new Error(`${binary} is not installed`);
  if (request.pty === true) return startOnTerminal(path, args, QUIET_PROMPT + (request.input ?? ""));
  const file = dir.join(`input-${++inputs}`);
  writeFileSync(file, request.input ?? "");
  return spawnProcess("/bin/sh", ["-c", 'exec "$0" "$@" < "$INPUT"', path, ...args], {
    name: binary,
    env: { ...process.env, INPUT: file },
  });
}

function startOnTerminal(path: string, args: readonly string[], input: string): RunningClient {
  const support = loadPty();
  if (!("spawn" in support)) throw new Error(`node-pty is needed for a client on a terminal: ${support.unavailable}`);
  const terminal = support.spawn(path, [...args], {
    name: "xterm",
    cols: 120,
    rows: 40,
    cwd: process.cwd(),
    env: { ...process.env } as Record<string, string>,
  });
  const { pid } = terminal;
  let exited = false;
  terminal.onExit(() => {
    exited = true;
  });
  terminal.onData(() => {}); // keep the terminal drained
  terminal.write(input);
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // gone
    }
  };
  let stopping: Promise<void> | undefined;
  const stop = (grace = 2000): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      signal("SIGCONT");
      signal("SIGTERM");
      try {
        await waitUntil(() => exited, { timeout: grace, what: `${path} to exit` });
      } catch {
        signal("SIGKILL");
        await waitUntil(() => exited, { timeout: 5000, what: `${path} to exit after SIGKILL` });
      }
    })();
    return stopping;
  };
  const unregister = registerCleanup(`${path} on a terminal (pid ${pid})`, stop, () => signal("SIGKILL"));
  return { pid, freeze: () => signal("SIGSTOP"), thaw: () => signal("SIGCONT"), stop };
}
