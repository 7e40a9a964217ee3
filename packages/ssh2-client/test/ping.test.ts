/**
 * ServerAlive by `ping@openssh.com` (integration, real sshd over loopback). OpenSSH 10's sshd advertises the
 * extension and answers each SSH2_MSG_PING with a PONG, which never passes ssh2's global-request FIFO; OpenSSH 9.2
 * does not advertise it, so the probe stays `keepalive@openssh.com`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connect, serversOf, sleep } from "./_peers.ts";

const cases = [
  { generation: "forky", pings: true },
  { generation: "trixie", pings: true },
  { generation: "bookworm", pings: false },
] as const;

describe("probeKind ping@openssh.com", () => {
  for (const { generation, pings } of cases) {
    const sshd = serversOf(generation)[0];
    if (sshd === undefined) continue;
    it(`${sshd.name}: ${pings ? "PINGs, each answered by a PONG" : "no ping@openssh.com, keepalive@openssh.com"}`, {
      skip: sshd.skip,
    }, async () => {
      const peer = await sshd.start();
      const debug: string[] = [];
      const { client, ready, liveness } = connect(
        peer,
        { probe: { interval: 300, countMax: 3 }, probeKind: "ping@openssh.com", allowFastIntervals: true },
        { debug: (line: string) => debug.push(line) },
      );
      try {
        await ready;
        const replies: number[] = [];
        liveness.on("reply", ({ rtt }) => replies.push(rtt ?? -1));
        await sleep(1300);
        assert.ok(replies.length >= 3, `${replies.length} replies`);
        assert.equal(liveness.stats().timeouts, 0);
        const globals = debug.filter((line) => line.includes("GLOBAL_REQUEST: keepalive@openssh.com")).length;
        if (pings) assert.equal(globals, 0, "no keepalive@openssh.com went out");
        else assert.ok(globals >= 3, `${globals} keepalive@openssh.com probes`);
      } finally {
        client.end();
        await peer.stop();
      }
    });
  }
});
