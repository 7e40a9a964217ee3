/**
 * Spawned's exit: `exited` waits for the child's output to be read, bounded (real processes, real time).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { signal, spawnProcess, stopAll } from "../src/index.ts";

after(stopAll);

describe("Spawned.exited", () => {
  it("settles once the last output is in, not at the bare exit", async () => {
    for (let run = 0; run < 20; run++) {
      const child = spawnProcess("/bin/sh", ["-c", "echo first; printf 'last\\n' >&2"]);
      const exit = await child.exited;
      assert.equal(exit.code, 0);
      assert.match(child.output, /first\n[\s\S]*last\n/, `run ${run}`);
    }
  });

  it("settles within the drain bound when a grandchild keeps the pipes open", async () => {
    const child = spawnProcess("/bin/sh", ["-c", "sleep 30 & echo started $!"]);
    const [, sleeper] = await child.waitForOutput(/started (\d+)/);
    const startedAt = performance.now();
    try {
      const exit = await child.exited;
      const took = performance.now() - startedAt;
      assert.equal(exit.code, 0);
      assert.ok(took < 1500, `exited after ${took.toFixed(0)} ms`);
    } finally {
      signal(Number(sleeper), "SIGKILL");
    }
  });
});
