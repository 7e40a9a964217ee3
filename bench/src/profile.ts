/**
 * `pnpm --filter @tsalive/bench profile`: a sampling CPU profile of the bench's server process holding 1,000 idle
 * authenticated ssh2 connections, ClientAlive at I = 1 s, C = 3, from tsalive and from ssh2's built-in server
 * keepalive side by side (two server processes profiled over the same window); written to docs/PROFILE.md, whose "Summary" section `pnpm bench` quotes in BENCHMARKS.md.
 * The profiler is V8's, the one `--cpu-prof` runs, started over the inspector once the logins are done (so the
 * key exchanges stay out of it), sampling every 250 µs (`--cpu-prof-interval 250`) for a fixed window.
 *
 * Knobs (environment): PROFILE_CONNECTIONS (default 1000), PROFILE_SECONDS (window, default 15), PROFILE_OUT
 * (report path), PROFILE_KEEP (a folder to keep the two `.cpuprofile` files in, for Chrome DevTools).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKey, stopAll } from "@tsalive/test-support";
import { type Side, startSide, stopSides } from "./idle_cpu.ts";
import { progress, sleep } from "./log.ts";
import { busyness, describeMachine } from "./machine.ts";
import type { ServerKind } from "./ssh2_server.ts";
import { table } from "./stats.ts";

/** The parts of a `.cpuprofile` the analysis reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Where a frame's code lives. */
type Owner = "tsalive" | "ssh2" | "bench" | "node" | "gc" | "program" | "idle" | "other";

/** What one profile shows. */
interface Analysis {
  readonly kind: ServerKind;
  readonly connections: number;
  /** Profiled wall time (ms) and the process's CPU over it (`process.cpuUsage()`, ms). */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly samples: number;
  readonly idleSamples: number;
  /** Samples by the owner of the innermost JavaScript frame (native callees count for their JS caller). */
  readonly byOwner: Map<Owner, number>;
  /** Samples with a tsalive frame anywhere on the stack. */
  readonly tsaliveInclusive: number;
  /** Self samples per function, largest first. */
  readonly top: { name: string; owner: Owner; samples: number }[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const number = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : Number(value);
};
const CONNECTIONS = number("PROFILE_CONNECTIONS", 1000);
const SECONDS = number("PROFILE_SECONDS", 15);
const INTERVAL_US = 250;
const CLIENT_PROCESSES = 4;

function ownerOf(url: string, functionName: string): Owner | undefined {
  if (url === "") {
    if (functionName === "(garbage collector)") return "gc";
    if (functionName === "(program)") return "program";
    if (functionName === "(idle)") return "idle";
    return undefined;
  }
  if (/\/packages\/(core|ssh2-server|ssh2-layer|ssh2-client)\//.test(url)) return "tsalive";
  if (/\/ssh2\/lib\//.test(url)) return "ssh2";
  if (/\/bench\/src\//.test(url)) return "bench";
  if (url.startsWith("node:")) return "node";
  return "other";
}

function shortUrl(url: string): string {
  const inPackages = /\/packages\/(.*)$/.exec(url);
  if (inPackages !== null) return inPackages[1] as string;
  const inSsh2 = /\/(ssh2\/lib\/.*)$/.exec(url);
  if (inSsh2 !== null) return inSsh2[1] as string;
  const inBench = /\/(bench\/src\/.*)$/.exec(url);
  return inBench !== null ? (inBench[1] as string) : url;
}

function analyse(kind: ServerKind, connections: number, profile: CpuProfile, cpuMs: number): Analysis {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ownerCache = new Map<number, Owner>();
  const tsaliveCache = new Map<number, boolean>();
  const owning = (id: number): Owner => {
    const cached = ownerCache.get(id);
    if (cached !== undefined) return cached;
    const frame = byId.get(id)?.callFrame;
    const own = frame === undefined ? "other" : ownerOf(frame.url, frame.functionName);
    const up = parent.get(id);
    const result = own ?? (up === undefined ? "other" : owning(up));
    ownerCache.set(id, result);
    return result;
  };
  const hasTsalive = (id: number): boolean => {
    const cached = tsaliveCache.get(id);
    if (cached !== undefined) return cached;
    const frame = byId.get(id)?.callFrame;
    const up = parent.get(id);
    const result =
      (frame !== undefined && ownerOf(frame.url, frame.functionName) === "tsalive") ||
      (up !== undefined && hasTsalive(up));
    tsaliveCache.set(id, result);
    return result;
  };
  const byOwner = new Map<Owner, number>();
  const self = new Map<string, { name: string; owner: Owner; samples: number }>();
  let idleSamples = 0;
  let tsaliveInclusive = 0;
  for (const id of profile.samples) {
    const owner = owning(id);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
    if (owner === "idle") idleSamples++;
    if (hasTsalive(id)) tsaliveInclusive++;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const name = `${frame.functionName || "(anonymous)"}${frame.url === "" ? "" : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`}`;
    const entry = self.get(name) ?? { name, owner, samples: 0 };
    entry.samples++;
    self.set(name, entry);
  }
  const top = [...self.values()].filter((entry) => entry.owner !== "idle").sort((a, b) => b.samples - a.samples);
  return {
    kind,
    connections,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    cpuMs,
    samples: profile.samples.length,
    idleSamples,
    byOwner,
    tsaliveInclusive,
    top: top.slice(0, 15),
  };
}

/** Both servers, logged into one after the other, then profiled over the same window. */
async function profileBoth(hostKey: string, dir: string): Promise<Analysis[]> {
  const sides: Side[] = [];
  const options = {
    hostKey,
    setting: { interval: 1000, countMax: 3 },
    connections: CONNECTIONS,
    clientProcesses: CLIENT_PROCESSES,
  };
  try {
    for (const kind of ["builtin", "tsalive"] as const) await startSide(kind, options, sides, "profile");
    const authenticated = await Promise.all(
      sides.map((side) => side.server.request<{ authenticated: number }>({ type: "counts" })),
    );
    // Let the logins' garbage and the first probe round pass before sampling.
    await sleep(3000);
    const before = await Promise.all(sides.map((side) => side.server.request<number>({ type: "cpu" })));
    await Promise.all(sides.map((side) => side.server.request({ type: "profileStart", interval: INTERVAL_US })));
    progress(`profile: both servers, sampling ${SECONDS} s every ${INTERVAL_US} µs`);
    await sleep(SECONDS * 1000);
    const paths = sides.map((side) => join(dir, `${side.kind}.cpuprofile`));
    await Promise.all(sides.map((side, i) => side.server.request({ type: "profileStop", path: paths[i] }, 120_000)));
    const after = await Promise.all(sides.map((side) => side.server.request<number>({ type: "cpu" })));
    return sides.map((side, i) =>
      analyse(
        side.kind,
        authenticated[i]?.authenticated ?? 0,
        JSON.parse(readFileSync(paths[i] as string, "utf8")) as CpuProfile,
        (after[i] ?? 0) - (before[i] ?? 0),
      ),
    );
  } finally {
    await stopSides(sides);
  }
}

const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)} %`;
const busyOf = (a: Analysis): number => a.samples - a.idleSamples;
/**
 * Main-thread ms per second of wall time that `samples` stand for (each sample covers wall / all samples). Not
 * `process.cpuUsage()`: that counts every thread, the sampler's own among them, which a short interval makes large.
 */
const msPerSecond = (a: Analysis, samples: number): number => (samples / a.samples) * 1000;
const NAMES: Record<string, string> = { tsalive: "tsalive", builtin: "ssh2 built-in" };

function render(analyses: readonly Analysis[], machine: string[], busy: { load: number; cores: number }): string {
  const owners: Owner[] = ["tsalive", "ssh2", "node", "gc", "program", "bench", "other"];
  const ownerLabel: Record<Owner, string> = {
    tsalive: "tsalive (packages/core, ssh2-layer, ssh2-server)",
    ssh2: "ssh2 (lib/, with the crypto and native calls it makes)",
    node: "Node internals (node:net, streams, timers, with their native calls)",
    gc: "garbage collector",
    program: "(program): V8 and libuv outside JavaScript",
    bench: "the bench's own listeners (bench/src)",
    other: "other",
    idle: "idle",
  };
  const byOwnerRows = owners.map((owner) => [
    ownerLabel[owner],
    ...analyses.map((a) => {
      const samples = a.byOwner.get(owner) ?? 0;
      return `${msPerSecond(a, samples).toFixed(1)} ms/s (${percent(samples, busyOf(a))})`;
    }),
  ]);
  const [tsalive, builtin] = [analyses.find((a) => a.kind === "tsalive"), analyses.find((a) => a.kind === "builtin")];
  const cpuPerSecond = (a: Analysis) => msPerSecond(a, busyOf(a));
  const processCpu = (a: Analysis) => a.cpuMs / (a.wallMs / 1000);
  const summary: string[] = [];
  if (tsalive !== undefined && builtin !== undefined) {
    const diff = (owner: Owner) =>
      msPerSecond(tsalive, tsalive.byOwner.get(owner) ?? 0) - msPerSecond(builtin, builtin.byOwner.get(owner) ?? 0);
    const own = msPerSecond(tsalive, tsalive.byOwner.get("tsalive") ?? 0);
    const gap = cpuPerSecond(tsalive) - cpuPerSecond(builtin);
    const moves = owners
      .filter((owner) => owner !== "tsalive")
      .map((owner) => ({ owner, diff: diff(owner) }))
      .sort((a, b) => Math.abs(b.diff) - Math.abs(a.diff))
      .slice(0, 3)
      .map(({ owner, diff: d }) => `${ownerLabel[owner]} ${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)}`);
    summary.push(
      `At ${tsalive.connections.toLocaleString("en")} idle connections, I = 1 s, the server's main thread was busy ${cpuPerSecond(tsalive).toFixed(0)} ms/s with tsalive`,
      `and ${cpuPerSecond(builtin).toFixed(0)} ms/s with ssh2's built-in keepalive (${(cpuPerSecond(tsalive) / cpuPerSecond(builtin)).toFixed(2)}×, ${gap >= 0 ? "+" : "−"}${Math.abs(gap).toFixed(0)} ms/s), profiled every ${INTERVAL_US} µs for ${SECONDS} s`,
      `each. tsalive's own code is ${percent(tsalive.byOwner.get("tsalive") ?? 0, busyOf(tsalive))} of the busy samples (${own.toFixed(1)} ms/s, native callees`,
      `included); ${percent(tsalive.tsaliveInclusive, busyOf(tsalive))} have a tsalive frame anywhere on the stack (everything a probe or`,
      `reply costs, ssh2's packet writing and crypto included). Beside that, the largest differences against the built-in`,
      `(ms/s): ${moves.join("; ")}. The top self-time functions with tsalive: ${tsalive.top
        .slice(0, 5)
        // The function's name without its location ("decrypt ssh2/lib/…:1011"); V8's own entries keep their spaces.
        .map((entry) => `\`${entry.name.replace(/ \S*:\d+$/, "")}\` (${percent(entry.samples, busyOf(tsalive))})`)
        .join(", ")}.`,
    );
  }
  const topTable = (a: Analysis) =>
    table(
      ["function (file:line)", "owner", "self, share of busy samples"],
      a.top.map((entry) => [`\`${entry.name}\``, entry.owner, percent(entry.samples, busyOf(a))]),
    );
  return [
    "# CPU profile of the server at 1,000 idle connections",
    "",
    "<!-- Generated by `pnpm --filter @tsalive/bench profile` (bench/src/profile.ts); do not edit by hand: rerun it. -->",
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; load average ${busy.load.toFixed(2)} on ${busy.cores} cores at the start.`,
    "",
    machine.join("\n"),
    "",
    "The bench's server process (bench/src/server_worker.ts) holds idle authenticated ssh2 connections from",
    `${CLIENT_PROCESSES} client processes, ClientAliveInterval 1 s, ClientAliveCountMax 3: two such servers side by side, one`,
    "with ssh2's built-in server keepalive and one with tsalive, each with client processes of its own. Once the logins",
    "are done and 3 s have passed, V8's sampling profiler (the one `--cpu-prof` runs, started over the inspector so that",
    `the logins stay out of it) samples both over the same ${SECONDS} s, every ${INTERVAL_US} µs.`,
    "Samples are grouped by the innermost JavaScript frame on their stack: a native call (a cipher, a socket",
    "write) counts for the JavaScript that made it. ms/s is main-thread time per second of wall time, from the",
    "sample counts. The process's `process.cpuUsage()` over the window is shown beside it: it counts every thread,",
    "the sampler's own and libuv's pool (`RandomBytesJob`: ssh2's padding) among them.",
    "",
    "## Summary",
    "",
    summary.join("\n"),
    "",
    "## CPU by owner",
    "",
    table(
      [
        "owner",
        ...analyses.map(
          (a) =>
            `${NAMES[a.kind]}: main thread ${cpuPerSecond(a).toFixed(0)} ms/s busy (process CPU while profiled ${processCpu(a).toFixed(0)} ms/s)`,
        ),
      ],
      byOwnerRows,
    ),
    "",
    ...analyses.flatMap((a) => [
      `## Top self time, ${NAMES[a.kind]} (${a.connections.toLocaleString("en")} connections, ${busyOf(a)} busy samples of ${a.samples})`,
      "",
      topTable(a),
      "",
    ]),
  ].join("\n");
}

const dir = mkdtempSync(join(tmpdir(), "tsalive-profile-"));
try {
  const machine = describeMachine();
  const busy = busyness();
  const hostKey = generateKey(join(dir, "host_key")).privateKey;
  const analyses = await profileBoth(hostKey, dir);
  await stopAll();
  const keep = process.env.PROFILE_KEEP;
  if (keep !== undefined && keep !== "") {
    mkdirSync(keep, { recursive: true });
    for (const kind of ["builtin", "tsalive"]) {
      writeFileSync(join(keep, `${kind}.cpuprofile`), readFileSync(join(dir, `${kind}.cpuprofile`)));
    }
  }
  const out = process.env.PROFILE_OUT ?? join(root, "docs", "PROFILE.md");
  writeFileSync(out, render(analyses, machine, busy));
  progress(`wrote ${out}`);
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
