/**
 * Integration (a real OpenSSH client on loopback): SIGUSR1 makes tsalive-sshd log one line per connection, with
 * the user and address, the last inbound packet's age, unanswered probes, the last RTT, the channels with their
 * ChannelTimeout labels and idle times, and the session's processes.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { skipUnlessPeers, startSshClient, stopAll } from "@tsalive/test-support";
import { startTsaliveSshd } from "./_server.ts";

after(stopAll);
const user = process.env.USER ?? "root";

describe("tsalive-sshd on SIGUSR1", { skip: skipUnlessPeers("ssh") }, () => {
  it("logs every connection with its liveness, its channels and its session's processes", async () => {
    const server = await startTsaliveSshd([
      "ClientAliveInterval 1",
      "ClientAliveCountMax 3",
      "ChannelTimeout session:*=10m",
    ]);
    const ssh = startSshClient({
      port: server.port,
      user,
      identity: server.clientKey.privatePath,
      command: "sleep 600",
    });
    try {
      await server.waitForLog(/command "sleep 600" over pipes/, 15_000);
      // Two probe rounds, so an RTT is known.
      await server.waitForLog(/ClientAlive reply from .*\n[\s\S]*ClientAlive reply from /, 10_000);
      server.process.kill("SIGUSR1");
      const line = await server.waitForLog(/Received SIGUSR1; 1 connection\.\n(connection .*)\n/, 5000);
      const pattern = new RegExp(
        `^connection user ${user} 127\\.0\\.0\\.1 port [0-9]+: up [0-9.]+ s, (running|probing), last inbound [0-9.]+ s ago, [0-9] unanswered probes?, last rtt [0-9.]+ ms, channel 0 session:command idle [0-9.]+ s, processes [0-9]+ \\(sleep 600\\)$`,
      );
      assert.match(line[1] as string, pattern);
    } finally {
      await ssh.stop();
      await server.stop();
    }
  });
});
