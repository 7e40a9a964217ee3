/**
 * Integration test of runPeer: every generation's configuration oracles (`ssh -G`, `sshd -T`) run and answer, with
 * files under /tmp seen at the same path inside a root. Real time, every run bounded.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { GENERATIONS, generateKey, makeTempDir, PEERS, runPeer, skipUnlessPeers, stopAll } from "../src/index.ts";

after(stopAll);

for (const generation of GENERATIONS) {
  describe(`runPeer ${generation}`, { skip: skipUnlessPeers("sshd", "ssh") }, () => {
    it(`ssh -V reports OpenSSH_${PEERS[generation].opensshVersion}`, async () => {
      const run = await runPeer(generation, ["/usr/bin/ssh", "-V"]);
      assert.equal(run.code, 0);
      assert.match(run.stderr, new RegExp(`^OpenSSH_${PEERS[generation].opensshVersion.replace(".", "\\.")}[ ,]`));
    });

    it("ssh -G reads a config file under /tmp and prints the effective configuration", async () => {
      const dir = makeTempDir("tsalive-runpeer-");
      writeFileSync(dir.join("ssh_config"), "Host h\n  ServerAliveInterval 7\n  ServerAliveCountMax 2\n");
      const run = await runPeer(generation, ["/usr/bin/ssh", "-G", "-F", dir.join("ssh_config"), "h"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^serveraliveinterval 7$/m);
      assert.match(run.stdout, /^serveralivecountmax 2$/m);
      dir.remove();
    });

    it("ssh -G exits non-zero on a bad keyword, with the error on stderr", async () => {
      const dir = makeTempDir("tsalive-runpeer-");
      writeFileSync(dir.join("ssh_config"), "ServerAliveIntervall 7\n");
      const run = await runPeer(generation, ["/usr/bin/ssh", "-G", "-F", dir.join("ssh_config"), "h"]);
      assert.equal(run.code, 255);
      assert.match(run.stderr, /Bad configuration option: serveraliveintervall/i);
      dir.remove();
    });

    // sshd 10.6 prints keywords in their canonical case (`ClientAliveInterval 5`), earlier ones in lower case.
    it("sshd -T evaluates a Match block for a connection", async () => {
      const dir = makeTempDir("tsalive-runpeer-");
      const hostKey = generateKey(dir.join("hostkey"));
      writeFileSync(
        dir.join("sshd_config"),
        `HostKey ${hostKey.privatePath}\nClientAliveInterval 5\nMatch User alice\n  ClientAliveCountMax 9\n`,
      );
      const argv = ["/usr/sbin/sshd", "-T", "-f", dir.join("sshd_config"), "-C"];
      const alice = await runPeer(generation, [...argv, "user=alice,host=h,addr=127.0.0.1"]);
      const bob = await runPeer(generation, [...argv, "user=bob,host=h,addr=127.0.0.1"]);
      assert.equal(alice.code, 0, alice.stderr);
      assert.match(alice.stdout, /^clientaliveinterval 5$/im);
      assert.match(alice.stdout, /^clientalivecountmax 9$/im);
      assert.match(bob.stdout, /^clientalivecountmax 3$/im);
      dir.remove();
    });

    it("passes stdin and the environment, and rejects when the run outlives its timeout", async () => {
      const run = await runPeer(generation, ["/bin/sh", "-c", 'cat; echo "$TSALIVE_X"'], {
        input: "in\n",
        env: { PATH: "/usr/bin:/bin", TSALIVE_X: "env" },
      });
      assert.equal(run.stdout, "in\nenv\n");
      await assert.rejects(runPeer(generation, ["/bin/sleep", "5"], { timeout: 200 }), /timed out after 200 ms/);
    });
  });
}
