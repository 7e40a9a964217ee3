/**
 * The packages' own benches (`bench` scripts under packages/), run first and captured, so their tables land in the
 * same report, from the same run.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { progress } from "./log.ts";

/** One package's bench: its name, the command, and what it printed on stdout (or why it failed). */
export interface PackageBench {
  readonly name: string;
  readonly directory: string;
  readonly ok: boolean;
  readonly output: string;
  readonly seconds: number;
}

/**
 * Runs `npm run bench`-style every package's bench script with `pnpm --filter NAME bench`, one at a time; with
 * `only` (package names), just those.
 */
export async function runPackageBenches(
  root: string,
  timeout: number,
  only?: ReadonlySet<string>,
): Promise<PackageBench[]> {
  const results: PackageBench[] = [];
  for (const directory of readdirSync(join(root, "packages")).sort()) {
    let manifest: { name?: string; scripts?: Record<string, string> };
    try {
      manifest = JSON.parse(readFileSync(join(root, "packages", directory, "package.json"), "utf8"));
    } catch {
      continue;
    }
    if (manifest.scripts?.bench === undefined || manifest.name === undefined) continue;
    if (only !== undefined && !only.has(manifest.name)) continue;
    progress(`package bench: ${manifest.name}`);
    const started = performance.now();
    const { code, stdout, stderr } = await runScript(join(root, "packages", directory), timeout);
    results.push({
      name: manifest.name,
      directory: `packages/${directory}`,
      ok: code === 0,
      output: code === 0 ? stdout.trim() : `${stdout}\n${stderr}`.trim().split("\n").slice(-15).join("\n"),
      seconds: (performance.now() - started) / 1000,
    });
  }
  return results;
}

function runScript(cwd: string, timeout: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // `pnpm run` inside the package: the script runs with the package's own node_modules/.bin on PATH.
    const child = spawn("pnpm", ["run", "--silent", "bench"], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${timeout / 1000} s`;
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, timeout);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
