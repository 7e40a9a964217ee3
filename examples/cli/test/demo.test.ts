/**
 * Integration: `pnpm demo` finishes within 20 s, prints both deaths at their bounds and the kills, and leaves no
 * process behind.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { listProcesses, skipUnlessPeers } from "@tsalive/test-support";

/**
 * Processes whose environment carries `marker`: every process the demo started inherits it, even one that was
 * reparented away, and no other process on the machine has it.
 */
function carrying(marker: string): string[] {
  return listProcesses().flatMap((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/environ`, "latin1").split("\0").includes(marker)
        ? [`${p.pid} ${p.args}`]
        : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

const DEMO = fileURLToPath(new URL("../scripts/demo.ts", import.meta.url));

it("the demo catches the frozen link on both sides within 20 s and leaves nothing running", {
  skip: skipUnlessPeers("ssh"),
}, () => {
  const marker = `TSALIVE_DEMO_TEST=${randomUUID()}`;
  const started = performance.now();
  const result = spawnSync(process.execPath, ["--conditions=tsalive-source", "--import", "tsx", DEMO], {
    encoding: "utf8",
    timeout: 25_000,
    env: { ...process.env, TSALIVE_DEMO_TEST: marker.slice(marker.indexOf("=") + 1) },
  });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.ok(seconds < 20, `took ${seconds} s`);
  assert.match(result.stdout, /LINK FROZEN/);
  assert.match(result.stdout, /DEAD: "Timeout, server 127\.0\.0\.1 not responding\."/);
  assert.match(result.stdout, /DEAD: "Watchdog timeout, no data from user \S+ 127\.0\.0\.1 port [0-9]+"/);
  assert.match(result.stdout, /all 3 processes are gone/);
  assert.match(result.stdout, /nothing is left running\.$/m);
  // The delays it prints: each side at its bound (3 s), never early, and late by at most 100 ms (two log pipes).
  const summary =
    /client gave up ([0-9.]+) s .*\(C\+1\)·I = ([0-9.]+) s\), the server ([0-9.]+) s .*WatchdogTimeout ([0-9.]+) s/.exec(
      result.stdout,
    );
  assert.ok(summary, result.stdout);
  const [clientAfter, clientBound, serverAfter, watchdog] = summary.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  assert.ok(
    clientAfter >= clientBound - 0.02 && clientAfter <= clientBound + 0.1,
    `client gave up after ${clientAfter} s`,
  );
  assert.ok(serverAfter >= watchdog - 0.02 && serverAfter <= watchdog + 0.1, `server gave up after ${serverAfter} s`);
  assert.deepEqual(carrying(marker), [], "processes the demo started are still running");
});
