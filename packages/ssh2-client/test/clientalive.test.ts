/**
 * OpenSSH's ClientAlive against an idle tsalive client (integration, real sshd over loopback, real time): sshd
 * with `ClientAliveInterval 1` probes by channel request while a channel is open and by global request otherwise,
 * and disconnects after `ClientAliveCountMax` unanswered probes. An idle client with an open shell, and one whose
 * exec has finished, both stay connected through at least ten probes. Against the sshd of every peer generation
 * (sshd 9.2-9.4 probe every ≈ 2·I, so this takes about 20 s there, 10 s on 10.x; the two clients run side by side).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GENERATIONS, stopAll, waitUntil } from "@tsalive/test-support";
import type { Client } from "ssh2";
import { type Attached, connect, type ServerKind, serversOf } from "./_peers.ts";

after(stopAll);

const PROBES = 10;

/** Counts the keepalive@openssh.com requests a client receives, from ssh2's debug output. */
function probeCounter(): { debug: (message: string) => void; channel: () => number; global: () => number } {
  let channel = 0;
  let global = 0;
  return {
    debug(message) {
      if (/^Inbound: CHANNEL_REQUEST \(r:\d+, keepalive@openssh\.com\)/.test(message)) channel++;
      else if (message === "Inbound: GLOBAL_REQUEST (keepalive@openssh.com)") global++;
    },
    channel: () => channel,
    global: () => global,
  };
}

function run(client: Client, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      channel.resume();
      channel.stderr.resume();
      channel.on("close", () => resolve());
    });
  });
}

function suite(sshd: ServerKind): void {
  describe(`ClientAlive of ${sshd.name} against an idle tsalive client`, { skip: sshd.skip }, () => {
    it(`stays connected for ${PROBES} probes with an open shell and after a finished exec`, async (t) => {
      const server = await sshd.start(["ClientAliveInterval 1", "ClientAliveCountMax 2"]);
      const withShell = probeCounter();
      const afterExec = probeCounter();
      // tsalive's own ServerAlive is on but slower than sshd's probes, which count as traffic for it.
      const options = { probe: { interval: 30_000, countMax: 3 } };
      const shell: Attached = connect(server, options, { debug: withShell.debug });
      const exec: Attached = connect(server, options, { debug: afterExec.debug });
      try {
        await Promise.all([shell.ready, exec.ready]);
        await new Promise<void>((resolve, reject) =>
          shell.client.shell((error, stream) => {
            if (error) return reject(error);
            stream.resume();
            resolve();
          }),
        );
        await run(exec.client, "exit 0");
        await waitUntil(() => withShell.channel() >= PROBES && afterExec.global() >= PROBES, {
          timeout: 2 * PROBES * 1000 + 15_000,
          interval: 200,
          what: `${PROBES} ClientAlive probes on each client`,
        });
        t.diagnostic(
          `shell: ${withShell.channel()} channel probes; finished exec: ${afterExec.global()} global probes, ${afterExec.channel()} channel probes`,
        );
        for (const attached of [shell, exec]) {
          assert.deepEqual(attached.errors, []);
          assert.equal(attached.liveness.stats().timeouts, 0);
          assert.equal((attached.client as unknown as { _sock: { destroyed: boolean } })._sock.destroyed, false);
        }
      } finally {
        shell.client.end();
        exec.client.end();
        await Promise.all([shell.closed, exec.closed]);
        await server.stop();
      }
    });
  });
}

for (const generation of GENERATIONS) {
  describe(generation, () => {
    for (const server of serversOf(generation)) if (server.kind === "sshd") suite(server);
  });
}
