/** `pnpm demo:web`: it serves the page, prints the URL, and Ctrl-C stops everything it started. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, it } from "node:test";
import { fileURLToPath } from "node:url";
import { childrenOf, isRunning, stopAll, waitUntil } from "@tsalive/test-support";

after(stopAll);

it("serves the page on 127.0.0.1, prints its URL, and stops everything on SIGINT", async () => {
  const script = fileURLToPath(new URL("../scripts/demo.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=tsalive-source", "--import", "tsx", script, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await waitUntil(() => /open http:\/\/127\.0\.0\.1:\d+\//.test(output), { timeout: 20_000, what: "the URL" });
    const url = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1] as string;
    assert.match(output, /^tsalive web terminal → tsalive-sshd on 127\.0\.0\.1 port \d+ \(throwaway keys\)$/m);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/app\.js">/);
    const script = await fetch(new URL("app.js", url));
    assert.equal(script.status, 200);
    assert.ok((await script.text()).length > 100_000, "xterm.js is bundled into the page script");
    const sshd = childrenOf(child.pid as number);
    assert.ok(sshd.length >= 1, "tsalive-sshd runs");
    child.kill("SIGINT");
    assert.equal(await exited, 0);
    await waitUntil(() => sshd.every((entry) => !isRunning(entry.pid)), { what: "tsalive-sshd to stop" });
  } finally {
    child.kill("SIGKILL");
  }
});
