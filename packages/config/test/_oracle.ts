/**
 * The real `ssh -G` of each OpenSSH release, run in batches (one process per release per batch, however many
 * configurations) and cached for the test run. Integration helper: bookworm's ssh is the host's /usr/bin/ssh,
 * trixie's and forky's run in their Debian roots through `peerCommand` (the host's /tmp is the root's /tmp, so
 * every path handed over lives under /tmp).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Generation, peerCommand, skipUnlessGeneration } from "@tsalive/test-support";
import type { OpenSshVersion } from "../src/index.ts";

/** One `ssh -G` call: `-F config`, the `-o` options, the destination; HOME for the process; cwd. */
export interface OracleJob {
  readonly config: string;
  readonly host: string;
  readonly options: readonly string[];
  readonly args?: readonly string[] | undefined;
  readonly home: string;
  readonly cwd: string;
}

/** What ssh printed. */
export interface OracleResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const GENERATION_OF: Readonly<Record<OpenSshVersion, Generation>> = {
  "9.2": "bookworm",
  "10.0": "trixie",
  "10.6": "forky",
};

const cache = new Map<string, OracleResult>();

function quote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * `false` when the release's ssh can run here (the host's, or its Debian root, built when missing), else why not;
 * under CI=true a missing peer throws instead of skipping (test-support's rule).
 */
export function oracleSkip(version: OpenSshVersion): false | string {
  return skipUnlessGeneration(GENERATION_OF[version], "ssh");
}

/**
 * Runs every job through `version`'s `ssh -G` in one shell (stdin /dev/null, `env -i` with PATH, HOME and
 * LC_ALL=C), returning the results in order. Jobs already run in this process come from the cache.
 */
export function sshG(version: OpenSshVersion, jobs: readonly OracleJob[]): OracleResult[] {
  const keyOf = (job: OracleJob) =>
    JSON.stringify([version, job.config, readFileSync(job.config, "utf8"), job.host, job.options, job.args, job.home]);
  const todo = jobs.filter((job) => !cache.has(keyOf(job)));
  if (todo.length > 0) {
    const dir = mkdtempSync("/tmp/tsalive-oracle-");
    try {
      const script = todo
        .map((job, i) => {
          const argv = [
            "/usr/bin/ssh",
            "-G",
            "-F",
            job.config,
            ...job.options.flatMap((o) => ["-o", o]),
            ...(job.args ?? []),
            job.host,
          ];
          return `cd ${quote(job.cwd)} && env -i PATH=/usr/bin:/bin LC_ALL=C HOME=${quote(job.home)} ${argv.map(quote).join(" ")} </dev/null >${dir}/${i}.out 2>${dir}/${i}.err; echo $? >${dir}/${i}.rc`;
        })
        .join("\n");
      writeFileSync(join(dir, "run.sh"), `${script}\n`);
      const [command, ...args] = peerCommand(GENERATION_OF[version], ["/bin/sh", join(dir, "run.sh")]);
      const run = spawnSync(command, args, { encoding: "utf8", timeout: 120_000 });
      if (run.status !== 0) throw new Error(`oracle ${version} failed: ${run.status} ${run.stderr}`);
      todo.forEach((job, i) => {
        cache.set(keyOf(job), {
          status: Number(readFileSync(join(dir, `${i}.rc`), "utf8").trim()),
          stdout: readFileSync(join(dir, `${i}.out`), "utf8"),
          stderr: readFileSync(join(dir, `${i}.err`), "utf8"),
        });
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return jobs.map((job) => cache.get(keyOf(job)) as OracleResult);
}
