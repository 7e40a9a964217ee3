/** The machine the figures were measured on, as the report's first section prints it. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, release, totalmem } from "node:os";

/** What a command printed (`ssh -V` and `dropbear -V` print to stderr), or "not installed". */
function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5000 });
  if (result.error !== undefined) return "not installed";
  const text = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  return text.length > 0 ? text : "unknown";
}

/**
 * Which crypto ssh2 runs here: its native binding (sshcrypto.node, built by node-gyp at install, for this Node's ABI)
 * or its JavaScript fallback, which it takes silently and which is several times slower, so every throughput and
 * overhead figure depends on it.
 */
export function ssh2Crypto(): string {
  const { bindingAvailable } = createRequire(import.meta.url)("ssh2/lib/protocol/crypto.js") as {
    bindingAvailable?: boolean;
  };
  return bindingAvailable === true
    ? "native binding (sshcrypto.node)"
    : "JavaScript fallback (the native binding did not load on this Node)";
}

/** The 1-minute load average over the cores available: above ~0.5 other work competes with the bench. */
export function busyness(): { load: number; cores: number } {
  let load = Number.NaN;
  try {
    load = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    // not Linux: unknown
  }
  return { load, cores: cpus().length };
}

/** Lines of `- key: value` describing the machine. */
export function describeMachine(): string[] {
  const model = cpus()[0]?.model ?? "unknown";
  let load = "";
  try {
    load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    load = "unknown";
  }
  const openssh = run("ssh", ["-V"]);
  const dropbear = run("dropbear", ["-V"]).split("\n")[0] ?? "";
  return [
    `- CPU: ${run("nproc", [])} cores available (nproc), ${model}`,
    `- memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- kernel: Linux ${release()}`,
    `- Node: ${process.version} (${process.arch})`,
    `- ssh2 crypto: ${ssh2Crypto()}`,
    `- OpenSSH: ${openssh}`,
    `- Dropbear: ${dropbear}`,
    `- open files: ${run("sh", ["-c", "ulimit -Hn"])} (hard limit; workers raise their soft limit to it)`,
    `- load average when the bench started: ${load}`,
  ];
}
