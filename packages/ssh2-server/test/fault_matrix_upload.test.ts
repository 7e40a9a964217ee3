/**
 * The fault matrix, tsalive as the server, one cell in a file of its own: a real `ssh` uploading through a
 * throttled link (integration, real time over loopback). Every inbound byte proves the client alive, so a 32 KiB
 * packet crawling in for a second is no silence.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { stopAll } from "@tsalive/test-support";
import { CLIENTS, sleep } from "./_clients.ts";
import { withServer } from "./_fault_cell.ts";

after(stopAll);

describe("fault matrix, tsalive server against ssh uploading through a throttled link", {
  skip: CLIENTS[0]?.skip,
}, () => {
  it("a bulk upload at 32 KiB/s with I = 500 ms, C = 1 is no death: every inbound packet counts", async (t) => {
    await withServer(
      async (cell) => {
        cell.proxy.set("up", { mode: "throttle", bytesPerSecond: 32 * 1024 });
        const ssh = spawn(
          "ssh",
          [
            ...["-p", String(cell.proxy.port), "-i", cell.test.key.privatePath],
            ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes"],
            // INFO, not ERROR: ssh says who closed a connection ("Connection closed by …") only at INFO. It named
            // ssh2 when the throttle split ssh's identification line before the hold (test/identification.test.ts).
            ...["-o", "IdentitiesOnly=yes", "-F", "/dev/null", "-o", "LogLevel=INFO"],
            ...["tester@127.0.0.1", "cat > /dev/null; echo done"],
          ],
          { stdio: ["pipe", "pipe", "pipe"] },
        );
        let stderr = "";
        ssh.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        ssh.stdin.on("error", (error) => {
          stderr += `stdin: ${error.message}`;
        });
        let stdout = "";
        ssh.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        // "close", not "exit": ssh's last words on stderr are read before its verdict is judged.
        const exited = new Promise<number | null>((resolve) => ssh.once("close", (code) => resolve(code)));
        try {
          // 192 KiB at 32 KiB/s: 6 s of upload, far longer than (C+1)·I, with the replies queued behind the data.
          const size = 192 * 1024;
          const started = performance.now();
          ssh.stdin.end(Buffer.alloc(size, 0x61));
          const code = await Promise.race([exited, sleep(20_000).then(() => "timeout" as const)]);
          const took = performance.now() - started;
          assert.equal(
            code,
            0,
            `ssh ended with ${code}: ${stderr}; ${cell.timeouts.map((d) => d.error.message).join("; ")}`,
          );
          assert.match(stdout, /done/);
          assert.ok(took >= 4000, `the upload took ${took.toFixed(0)} ms: the throttle did not hold it back`);
          assert.deepEqual(cell.timeouts, [], "no false death while the upload crawls");
          assert.ok(cell.proxy.bytes("up").forwarded >= size);
          t.diagnostic(`${size} bytes up in ${(took / 1000).toFixed(1)} s through a 32 KiB/s link, no death`);
        } finally {
          ssh.kill("SIGKILL");
        }
      },
      { interval: 500, countMax: 1 },
    );
  });
});
