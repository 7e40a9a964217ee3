import { EventEmitter } from "node:events";
import { createRequire } from "node:module";

/** The part of node-pty's IPty a session uses. */
export interface Pty {
  readonly pid: number;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  onData(listener: (data: string) => void): unknown;
  onExit(listener: (event: { exitCode: number; signal?: number }) => void): unknown;
}

/** What spawns a pty: node-pty's `spawn`. */
export type SpawnPty = (
  file: string,
  args: string[],
  options: {
    name: string;
    cols: number;
    rows: number;
    cwd: string;
    env: Record<string, string>;
    uid?: number;
    gid?: number;
  },
) => Pty;

/** node-pty when it could be loaded here, else why not. */
export type PtySupport = { readonly spawn: SpawnPty } | { readonly unavailable: string };

let cached: PtySupport | undefined;

/**
 * Loads node-pty (an optional, natively built dependency). When it is missing or was not built, the reason is
 * returned so the server can say so once and run sessions over pipes instead.
 */
export function loadPty(): PtySupport {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    const nodePty = require("node-pty") as { spawn: SpawnPty };
    cached = { spawn: nodePty.spawn };
  } catch (error) {
    cached = { unavailable: error instanceof Error ? (error.message.split("\n")[0] ?? String(error)) : String(error) };
  }
  return cached;
}

/**
 * A pty's process seen as the `ChildProcess` shape the process supervisor tracks (`pid`, `exitCode`,
 * `signalCode`, `spawnargs`, `'exit'`). node-pty starts the child with forkpty(), which calls setsid(): the shell
 * leads a session of its own, and the supervisor stops every process of that session, each job's process group
 * included.
 */
export class PtyProcess extends EventEmitter {
  readonly pid: number;
  readonly spawnargs: readonly string[];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  constructor(pty: Pty, spawnargs: readonly string[] = []) {
    super();
    this.pid = pty.pid;
    this.spawnargs = spawnargs;
    pty.onExit(({ exitCode, signal }) => {
      if (signal) this.signalCode = (signalName(signal) ?? "SIGKILL") as NodeJS.Signals;
      else this.exitCode = exitCode;
      this.emit("exit", this.exitCode, this.signalCode);
      this.emit("close", this.exitCode, this.signalCode);
    });
  }
}

function signalName(signal: number): string | undefined {
  const names: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 9: "SIGKILL", 15: "SIGTERM", 3: "SIGQUIT" };
  return names[signal];
}
