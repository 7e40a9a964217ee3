/**
 * Integration (a real OpenSSH client on loopback): `tsalive-sshd --metrics` counts the connections it closes itself
 * (here LoginGraceTime) as close_reason="local_close", and a client that logs out as "peer_close", read straight
 * from the endpoint's Prometheus text.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, describe, it } from "node:test";
import { skipUnlessPeers, startSshClient, stopAll, waitUntil } from "@tsalive/test-support";
import { startTsaliveSshd } from "./_server.ts";

after(stopAll);
const user = process.env.USER ?? "root";

/** The `ssh_server_connection_duration_count` samples by close_reason. */
async function durationCounts(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  const counts: Record<string, number> = {};
  for (const [, reason, value] of text.matchAll(
    /^ssh_server_connection_duration_count\{.*close_reason="(\w+)".*\} (\S+)$/gm,
  )) {
    counts[reason as string] = Number(value);
  }
  return counts;
}

describe("tsalive-sshd --metrics close.reason", { skip: skipUnlessPeers("ssh") }, () => {
  it("local_close for a connection tsalive-sshd cut off itself, peer_close for a client that left", async () => {
    const server = await startTsaliveSshd(["LoginGraceTime 1"], [], ["--metrics", "0"]);
    const silent = connect(server.port, "127.0.0.1");
    silent.on("error", () => undefined);
    try {
      const metricsPort = Number((await server.waitForLog(/Metrics on http:\/\/127\.0\.0\.1:([0-9]+)\/metrics\./))[1]);
      // A TCP client that never sends its identification line: LoginGraceTime closes it after 1 s.
      await server.waitForLog(/Timeout before authentication for 127\.0\.0\.1 port [0-9]+/, 10_000);
      const ssh = startSshClient({ port: server.port, user, identity: server.clientKey.privatePath, command: "true" });
      const exit = await ssh.exited;
      assert.equal(exit.code, 0, ssh.output);
      let counts: Record<string, number> = {};
      await waitUntil(
        async () => {
          counts = await durationCounts(metricsPort);
          return counts.local_close === 1 && counts.peer_close === 1;
        },
        { timeout: 10_000, what: "local_close 1 and peer_close 1" },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; last counts ${JSON.stringify(counts)}`);
      });
      assert.deepEqual(counts, { local_close: 1, peer_close: 1 });
    } finally {
      silent.destroy();
      await server.stop();
    }
  });
});
