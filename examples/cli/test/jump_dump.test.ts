/**
 * Integration (two real sshd on loopback): `tsalive-ssh -J bastion target` logs one SIGUSR1 line per hop, the
 * jump host first and the target last, each named by its Host and carrying its own liveness: the bastion's one
 * channel is the target's `direct-tcpip`, the target's is the command's session.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, it } from "node:test";
import {
  makeTempDir,
  signal,
  skipUnlessPeers,
  spawnProcess,
  startSshd,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";
import { RUN } from "./_run.ts";

after(stopAll);

/** `hop N/M NAME: connection to USER@HOST port PORT: STATE, last inbound A s ago, U unanswered …, last rtt R ms, …`. */
const LINE =
  /^hop (\d)\/(\d) (\S+): connection to (\S+)@127\.0\.0\.1 port (\d+): (running|probing), last inbound ([0-9.]+) s ago, (\d+) unanswered probes?, (?:last rtt ([0-9.]+) ms|no rtt yet), (\d+) probes? sent, (\d+) heartbeats? sent, (.*)$/;

it("SIGUSR1 through -J: one line per hop, the target last", { skip: skipUnlessPeers("sshd") }, async () => {
  const [bastion, target] = await Promise.all([startSshd(), startSshd()]);
  const dir = makeTempDir("tsalive-jump-dump-");
  const config = dir.join("ssh_config");
  // The target probes every 2 s, so that the bastion, which carries its packets, is silent long enough to probe
  // (every 1 s) and both hops have an RTT.
  writeFileSync(
    config,
    [
      "Host bastion",
      "  HostName 127.0.0.1",
      `  Port ${bastion.port}`,
      `  IdentityFile ${bastion.clientKey.privatePath}`,
      "  ServerAliveInterval 1",
      "Host target",
      "  HostName 127.0.0.1",
      `  Port ${target.port}`,
      `  IdentityFile ${target.clientKey.privatePath}`,
      "  ServerAliveInterval 2",
      "Host *",
      `  User ${target.user}`,
      "  StrictHostKeyChecking no",
      "  UserKnownHostsFile /dev/null",
      "",
    ].join("\n"),
  );
  const child = spawnProcess(process.execPath, [...RUN, "-F", config, "-v", "-J", "bastion", "target", "sleep 30"], {
    name: "tsalive-ssh",
  });
  const dumps = (): string[][] => {
    const lines = child.output.split("\n").filter((line) => line.startsWith("hop "));
    const complete: string[][] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) complete.push(lines.slice(i, i + 2));
    return complete;
  };
  try {
    // Node's own SIGUSR1 starts its inspector: signal only once tsalive-ssh's handler is installed (before it connects).
    await waitUntil(() => (child.output.match(/Authenticated to/g) ?? []).length === 2, {
      timeout: 10_000,
      what: "both hops authenticated",
    });
    // Ask until both hops have had a probe answered (at most a few seconds after login).
    let last: string[] | undefined;
    await waitUntil(
      () => {
        last = dumps().at(-1);
        if (last?.every((line) => /last rtt/.test(line))) return true;
        signal(child.pid, "SIGUSR1");
        return false;
      },
      { timeout: 8000, interval: 250, what: "a dump with an RTT on both hops" },
    );
    assert.equal(child.exitInfo, undefined, child.output);
    const [jump, far] = (last as string[]).map((line) => {
      const match = LINE.exec(line);
      assert.ok(match, `not a dump line: ${line}`);
      return match;
    });
    assert.ok(jump && far);
    // Names and places: the Host as typed, the jump host first, the target last.
    assert.deepEqual(
      [jump.slice(1, 6), far.slice(1, 6)],
      [
        ["1", "2", "bastion", bastion.user, String(bastion.port)],
        ["2", "2", "target", target.user, String(target.port)],
      ],
    );
    for (const [match, interval] of [
      [jump, 1],
      [far, 2],
    ] as const) {
      const [inboundAge, unanswered, rtt, sent] = [match[7], match[8], match[9], match[10]].map(Number);
      // Last heard within its ServerAlive interval plus one probe's round trip: nothing is lost on loopback.
      assert.ok((inboundAge as number) <= interval + 1, match[0]);
      assert.ok((unanswered as number) <= 1, match[0]);
      assert.ok((rtt as number) > 0 && (rtt as number) < 1000, match[0]);
      assert.ok((sent as number) >= 1, match[0]);
    }
    assert.equal(jump[12], "channel 0 direct-tcpip");
    assert.equal(far[12], "channel 0 session:exec");
  } finally {
    await child.stop();
    await Promise.all([bastion.stop(), target.stop()]);
    dir.remove();
  }
});
