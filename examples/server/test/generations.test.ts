/**
 * Smoke test against the newer peer generations (integration, real clients on loopback, real time): OpenSSH 10.x's
 * ssh and Dropbear 2025+'s dbclient log into tsalive-sshd and get the remote exit status, and a frozen ssh 10.x is
 * declared dead by ClientAlive in sshd's words. The host's generation has the full suite (interop and liveness).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  freeze,
  GENERATIONS,
  PEERS,
  skipUnlessGeneration,
  startDbclient,
  startSshClient,
  stopAll,
  thaw,
  toDropbearKey,
} from "@tsalive/test-support";
import { startTsaliveSshd } from "./_server.ts";

after(stopAll);
const user = process.env.USER ?? "root";

for (const generation of GENERATIONS.filter((each) => !PEERS[each].host)) {
  const { opensshVersion, dropbearVersion } = PEERS[generation];
  describe(generation, () => {
    it(`ssh ${opensshVersion} and dbclient ${dropbearVersion} log into tsalive-sshd; a frozen ssh dies by ClientAlive`, {
      skip: skipUnlessGeneration(generation, "ssh", "dbclient"),
    }, async () => {
      const server = await startTsaliveSshd(["ClientAliveInterval 1", "ClientAliveCountMax 2"]);
      const login = { port: server.port, user };
      const ssh = startSshClient({
        generation,
        ...login,
        identity: server.clientKey.privatePath,
        command: "echo from-ssh; exit 7",
      });
      const db = startDbclient({
        generation,
        ...login,
        identity: toDropbearKey(server.clientKey),
        command: "echo from-dbclient; exit 9",
      });
      const frozen = startSshClient({
        generation,
        ...login,
        identity: server.clientKey.privatePath,
        command: "sleep 600",
      });
      try {
        assert.equal((await ssh.exited).code, 7, ssh.output);
        assert.match(ssh.output, /^from-ssh$/m);
        assert.equal((await db.exited).code, 9, db.output);
        assert.match(db.output, /^from-dbclient$/m);
        await server.waitForLog(/command "sleep 600"/);
        await server.waitForLog(/ClientAlive reply from/, 5000);
        freeze([frozen.pid]);
        const startedAt = performance.now();
        await server.waitForLog(/Timeout, client not responding from user \S+ 127\.0\.0\.1 port [0-9]+/, 8000);
        const seconds = (performance.now() - startedAt) / 1000;
        assert.ok(seconds <= 3 + 0.5, `dead ${seconds} s after the freeze; bound (C+1)·I = 3 s`);
      } finally {
        thaw([frozen.pid]);
        await frozen.stop();
        await server.stop();
      }
    });
  });
}
