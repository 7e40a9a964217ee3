/**
 * `pnpm bench` at the repo root: the packages' own benches, then tsalive side by side with OpenSSH and ssh2's
 * built-ins — detection precision, false deaths under load, overhead, scale — written to docs/BENCHMARKS.md.
 * Progress goes to stderr. Everything runs on 127.0.0.1; everything started is stopped (SIGCONT first) in a
 * `finally`, and test-support's exit hook is the last line of defence against orphans.
 *
 * Knobs (environment): BENCH_QUICK=1 (a two-minute validation run: fewer runs, smaller counts), BENCH_RUNS,
 * BENCH_SCALE_TARGET (default 20,000), BENCH_SCALE_BUDGET (seconds of logins per scale phase after its first
 * 1,000, default 120), BENCH_SCALE_INTERVAL (ms, default
 * 1000: the worst case of ClientAliveInterval 1–5 s), BENCH_OUT (report path), BENCH_SKIP (comma list of:
 * packages, precision, false-deaths, throughput, idle-cpu, scale), BENCH_PACKAGES (comma list of
 * package names: run only their benches, e.g. `BENCH_PACKAGES=@tsalive/metrics BENCH_SKIP=precision,false-deaths,
 * throughput,idle-cpu,scale BENCH_OUT=/tmp/bench.md pnpm bench` for one package's table).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKey, stopAll } from "@tsalive/test-support";
import { tsaliveSshCommand } from "./examples.ts";
import { type FalseDeathRow, falseDeaths } from "./false_deaths.ts";
import { type IdleCpuResult, idleCpu } from "./idle_cpu.ts";
import { progress } from "./log.ts";
import { busyness, describeMachine } from "./machine.ts";
import { type ThroughputResult, throughput } from "./overhead.ts";
import { type PackageBench, runPackageBenches } from "./package_benches.ts";
import { type AliveSetting, clientSide, type PrecisionRow, serverSide } from "./precision.ts";
import { render } from "./report.ts";
import { type ScaleResult, scale } from "./scale.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const quick = process.env.BENCH_QUICK === "1";
const skip = new Set((process.env.BENCH_SKIP ?? "").split(",").filter(Boolean));
const number = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : Number(value);
};

/** Everything the report is made of; a section that failed carries its error instead. */
export interface Results {
  readonly quick: boolean;
  readonly startedAt: Date;
  readonly seconds: number;
  readonly machine: string[];
  /** Load average and cores when the bench started. */
  readonly busy: { load: number; cores: number };
  readonly runs: number;
  readonly packages: PackageBench[] | string;
  readonly precision: PrecisionRow[] | string;
  readonly falseDeaths:
    | { rows: FalseDeathRow[]; setting: AliveSetting; bytesPerSecond: number; duration: number }
    | string;
  readonly throughput: ThroughputResult | string;
  readonly idleCpu: IdleCpuResult | string;
  readonly scale: ScaleResult | string;
  /** The summary of docs/PROFILE.md (`pnpm --filter @tsalive/bench profile`), when it exists. */
  readonly profile?: string;
}

/** The text of PROFILE.md's "Summary" section, if the file exists. */
function profileSummary(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const match = /^## Summary\n\n([\s\S]*?)(?=\n## |(?![\s\S]))/m.exec(readFileSync(path, "utf8"));
  return match?.[1]?.trim();
}

async function section<T>(name: string, body: () => Promise<T>): Promise<T | string> {
  if (skip.has(name)) return "skipped (BENCH_SKIP)";
  try {
    return await body();
  } catch (error) {
    progress(`${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await stopAll();
  }
}

const started = performance.now();
const startedAt = new Date();
const machine = describeMachine();
const busy = busyness();
const runs = number("BENCH_RUNS", quick ? 2 : 10);
// Not a test-support temp dir: stopAll() between sections would delete the keys every section uses.
const dir = mkdtempSync(join(tmpdir(), "tsalive-bench-"));
const keys = { host: generateKey(join(dir, "host_key")), client: generateKey(join(dir, "client_key")) };
try {
  const only = process.env.BENCH_PACKAGES ? new Set(process.env.BENCH_PACKAGES.split(",")) : undefined;
  const packages = await section("packages", () => runPackageBenches(root, 180_000, only));
  const precision = await section("precision", async () => {
    const rows: PrecisionRow[] = [];
    const settings: AliveSetting[] = [
      { interval: 500, countMax: 1 },
      { interval: 500, countMax: 3 },
      { interval: 1000, countMax: 1 },
      { interval: 1000, countMax: 3 },
    ];
    const tsaliveSsh = tsaliveSshCommand(root);
    for (const setting of settings) rows.push(...(await clientSide(setting, runs, tsaliveSsh)));
    for (const setting of settings) rows.push(...(await serverSide(setting, runs, keys, { root, dir })));
    return rows;
  });
  const falseDeathSetting = { interval: 1000, countMax: 1 };
  const bytesPerSecond = 256 * 1024;
  const duration = quick ? 4000 : 8000;
  const falseDeathResult = await section("false-deaths", async () => ({
    rows: await falseDeaths({ setting: falseDeathSetting, runs, duration, bytesPerSecond }),
    setting: falseDeathSetting,
    bytesPerSecond,
    duration,
  }));
  const throughputResult = await section("throughput", () =>
    throughput(keys.host.privateKey, (quick ? 64 : 256) * 1024 * 1024, quick ? 2 : 12),
  );
  const idleCpuResult = await section("idle-cpu", () =>
    idleCpu({
      hostKey: keys.host.privateKey,
      setting: { interval: 1000, countMax: 3 },
      connections: 1000,
      windows: quick ? 3 : 10,
      windowMs: 3000,
      clientProcesses: 2,
      settleMs: 3000,
    }),
  );
  const scaleResult = await section("scale", () =>
    scale({
      hostKey: keys.host.privateKey,
      setting: { interval: number("BENCH_SCALE_INTERVAL", 1000), countMax: 3 },
      target: number("BENCH_SCALE_TARGET", quick ? 2000 : 20_000),
      budgetSeconds: number("BENCH_SCALE_BUDGET", quick ? 10 : 120),
      small: 1000,
      middle: 10_000,
      clientProcesses: 4,
      smallWindow: quick ? 3000 : 5000,
      largeWindow: quick ? 3000 : 10_000,
    }),
  );
  const profile = profileSummary(join(root, "docs", "PROFILE.md"));
  const results: Results = {
    quick,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    machine,
    busy,
    runs,
    packages,
    precision,
    falseDeaths: falseDeathResult,
    throughput: throughputResult,
    idleCpu: idleCpuResult,
    scale: scaleResult,
    ...(profile !== undefined && { profile }),
  };
  // A relative BENCH_OUT is the caller's: pnpm runs this from bench/, and says where it was called in INIT_CWD.
  const out =
    process.env.BENCH_OUT === undefined
      ? join(root, "docs", "BENCHMARKS.md")
      : resolve(process.env.INIT_CWD ?? process.cwd(), process.env.BENCH_OUT);
  writeFileSync(out, render(results));
  progress(`wrote ${out} in ${results.seconds.toFixed(0)} s`);
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
