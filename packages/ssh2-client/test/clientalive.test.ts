/**
 * A server's probes against an idle tsalive client (integration, real servers over loopback, real time): sshd with
 * `ClientAliveInterval 1` probes by channel request while a channel is open and by global request otherwise, and
 * disconnects after `ClientAliveCountMax` unanswered probes; Dropbear with `-K 1` does the same on a channel it has
 * not seen EOF on, and gives up after three unanswered seconds. An idle client with an open shell, and one whose
 * exec has finished, both stay connected through at least ten probes. Against the sshd and Dropbear of every peer
 * generation, the generations side by side (sshd 9.2-9.4 probe every ≈ 2·I, so 9.2 takes about 20 s, 10.x 10 s;
 * the two clients run side by side too).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GENERATIONS, stopAll, waitUntil } from "@tsalive/test-support";
import type { Client } from "ssh2";
import { type Attached, connect, type ServerKind, type StartOptions, serversOf } from "./_peers.ts";

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

/** What makes each kind of server probe its clients every second. */
const PROBING: Record<ServerKind["kind"], { readonly label: string; readonly options: StartOptions }> = {
  sshd: { label: "ClientAliveInterval 1", options: { sshdConfig: ["ClientAliveInterval 1", "ClientAliveCountMax 2"] } },
  dropbear: { label: "-K 1", options: { dropbearArgs: ["-K", "1"] } },
};

function suite(kind: ServerKind): void {
  const probing = PROBING[kind.kind];
  describe(`${kind.name} with ${probing.label} against an idle tsalive client`, { skip: kind.skip }, () => {
    it(`stays connected for ${PROBES} probes with an open shell and after a finished exec`, async (t) => {
      const server = await kind.start(probing.options);
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

describe("servers probing an idle tsalive client", { concurrency: GENERATIONS.length }, () => {
  for (const generation of GENERATIONS) {
    describe(generation, () => {
      for (const kind of serversOf(generation)) suite(kind);
    });
  }
});
