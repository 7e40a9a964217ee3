/** Integration: `pnpm demo` finishes within 20 s, prints both deaths and the kills, and leaves no process behind. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { listProcesses, skipUnlessPeers } from "@tsalive/test-support";

const DEMO = fileURLToPath(new URL("../scripts/demo.ts", import.meta.url));

it("the demo catches the frozen link on both sides within 20 s and leaves nothing running", {
  skip: skipUnlessPeers("ssh"),
}, () => {
  const before = new Set(listProcesses().map((p) => p.pid));
  const started = performance.now();
  const result = spawnSync(process.execPath, ["--conditions=tsalive-source", "--import", "tsx", DEMO], {
    encoding: "utf8",
    timeout: 25_000,
  });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.ok(seconds < 20, `took ${seconds} s`);
  assert.match(result.stdout, /LINK FROZEN/);
  assert.match(result.stdout, /DEAD: "Timeout, server 127\.0\.0\.1 not responding\."/);
  assert.match(result.stdout, /DEAD: "Watchdog timeout, no data from user \S+ 127\.0\.0\.1 port [0-9]+"/);
  assert.match(result.stdout, /all 3 processes are gone/);
  assert.match(result.stdout, /nothing is left running\.$/m);
  const left = listProcesses().filter(
    (p) => !before.has(p.pid) && /tsalive-(ssh|sshd)\.js|sleep 600|tsalive-demo-/.test(p.args),
  );
  assert.deepEqual(left, []);
});
