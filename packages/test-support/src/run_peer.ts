import { spawn } from "node:child_process";
import { type Generation, peerCommand } from "./generations.ts";

/** Options of {@linkcode runPeer}. */
export interface RunPeerOptions {
  /** Written to the program's stdin, which is then closed; without it stdin is `/dev/null`. */
  readonly input?: string;
  /** The program's environment; the test process's own by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Bound on the run, in ms (default 10 000); the program is killed and the promise rejects when it passes. */
  readonly timeout?: number;
}

/** What one program run printed and how it ended, from {@linkcode runPeer}. */
export interface PeerRun {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code, or `null` when a signal ended the program. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs a program of `generation` to its end, e.g. `["/usr/bin/ssh", "-G", "-F", FILE, HOST]` or
 * `["/usr/sbin/sshd", "-T", "-f", FILE, "-C", "user=u,host=h,addr=a"]`: the configuration oracles of config's
 * differential tests. `argv[0]` is an absolute path (inside the generation's root for `trixie` and `forky`, see
 * {@linkcode peerCommand}); files under `/tmp` have the same path on both sides. A non-zero exit resolves (the
 * oracle's answer to a bad file); only a spawn failure or the timeout rejects.
 *
 * @example
 * ```ts no-run
 * // no-run: needs the forky root (scripts/ensure-roots.sh).
 * import { runPeer } from "@tsalive/test-support";
 * const run = await runPeer("forky", ["/usr/bin/ssh", "-G", "-F", "/dev/null", "example.org"]);
 * run.code; // 0
 * run.stdout.includes("serveraliveinterval 0"); // true
 * ```
 */
export function runPeer(
  generation: Generation,
  argv: readonly string[],
  options: RunPeerOptions = {},
): Promise<PeerRun> {
  const [command, ...args] = peerCommand(generation, argv);
  const timeout = options.timeout ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${timeout} ms waiting for ${generation}'s ${argv.join(" ")}`));
    }, timeout);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${generation}'s ${argv[0]}: ${error.message}`, { cause: error }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        code,
        signal,
      });
    });
    if (options.input !== undefined) {
      // A program that exits without reading its stdin makes the write fail with EPIPE: the run still counts.
      child.stdin?.on("error", () => {});
      child.stdin?.end(options.input);
    }
  });
}
