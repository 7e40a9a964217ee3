/**
 * Smoke test against the newer peer generations (integration, real peers on loopback, real time): tsalive-ssh runs
 * a command on OpenSSH 10.x's sshd and on Dropbear 2025+ with its exit status, and with ServerAliveInterval 1 and
 * ServerAliveCountMax 1 it gives up on a frozen sshd 10.x in ssh's words. The host's generation has the full suite
 * (interop.test.ts).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  freeze,
  GENERATIONS,
  PEERS,
  skipUnlessGeneration,
  spawnProcess,
  startDropbear,
  startSshd,
  stopAll,
  thaw,
} from "@tsalive/test-support";
import { RUN } from "./_run.ts";

after(stopAll);
const QUIET = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"];

function tsaliveSsh(args: readonly string[]): ReturnType<typeof spawnProcess> {
  return spawnProcess(process.execPath, [...RUN, "-F", "none", ...QUIET, ...args], { name: "tsalive-ssh" });
}

for (const generation of GENERATIONS.filter((each) => !PEERS[each].host)) {
  const { opensshVersion, dropbearVersion } = PEERS[generation];
  describe(generation, () => {
    it(`tsalive-ssh with sshd ${opensshVersion} and Dropbear ${dropbearVersion}: exit status, ServerAlive death`, {
      skip: skipUnlessGeneration(generation, "sshd", "dropbear"),
    }, async () => {
      const sshd = await startSshd({ generation });
      const dropbear = await startDropbear({ generation });
      const login = (key: string, port: number, user: string): string[] => [
        ...["-i", key, "-p", String(port), `${user}@127.0.0.1`],
      ];
      const onSshd = tsaliveSsh([...login(sshd.clientKey.privatePath, sshd.port, sshd.user), "echo sshd; exit 3"]);
      const onDropbear = tsaliveSsh([
        ...login(dropbear.clientKey.privatePath, dropbear.port, dropbear.user),
        "echo dropbear; exit 5",
      ]);
      assert.equal((await onSshd.exited).code, 3, onSshd.output);
      assert.match(onSshd.output, /^sshd$/m);
      assert.equal((await onDropbear.exited).code, 5, onDropbear.output);
      assert.match(onDropbear.output, /^dropbear$/m);
      const alive = ["-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=1"];
      const frozen = tsaliveSsh([
        ...alive,
        ...login(sshd.clientKey.privatePath, sshd.port, sshd.user),
        "echo up; sleep 30",
      ]);
      await frozen.waitForOutput(/^up$/m, 15_000);
      const pids = sshd.allPids();
      freeze(pids);
      try {
        const startedAt = performance.now();
        const exit = await frozen.exited;
        const took = performance.now() - startedAt;
        assert.equal(exit.code, 255, frozen.output);
        assert.match(frozen.output, /Timeout, server 127\.0\.0\.1 not responding\./);
        // (C+1)·I = 2 s after the last packet, which came before the freeze: never later than that plus slack.
        assert.ok(took <= 2000 + 1500, `gave up ${took.toFixed(0)} ms after the freeze`);
      } finally {
        thaw(pids);
        await frozen.stop();
        await sshd.stop();
        await dropbear.stop();
      }
    });
  });
}
