/**
 * ClientAlive against real clients (integration, real time over loopback): a client that vanishes with its socket
 * open (SIGSTOP, or a proxy that goes dark) is declared dead at last-inbound + (C+1)·I, with sshd's message, its
 * socket destroyed and its processes stopped; sshd 9.2 would take about 2·I per probe instead. Against the ssh and
 * dbclient of every peer generation, and each generation's sshd as the oracle of the message.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  GENERATIONS,
  type Generation,
  isRunning,
  PEERS,
  type Spawned,
  skipUnlessGeneration,
  startProxy,
  startSshClient,
  startSshd,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";
import { ServerTimeoutError } from "../src/index.ts";
import { clientsOf, type LoggedIn, logIn, sleep } from "./_clients.ts";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

const INTERVAL = 1000;
const COUNT_MAX = 2;
const BOUND = (COUNT_MAX + 1) * INTERVAL;
/** Lateness allowed on a slow, noisy 2-core machine: timers, the event loop, and a loaded box. */
const LATE = 700;

interface Death {
  readonly error: ServerTimeoutError;
  readonly at: number;
  readonly lastInboundAt: number;
  readonly probes: number;
}

async function expectDeath(test: TestServer, { connection, liveness }: LoggedIn, vanish: () => void): Promise<Death> {
  const groups = liveness.supervisor.pids;
  assert.equal(groups.length, 1, "the command runs under the supervisor");
  let probes = 0;
  liveness.on("probe", () => probes++);
  const died = new Promise<{ error: ServerTimeoutError; at: number }>((resolve) =>
    liveness.on("timeout", (error) => resolve({ error, at: performance.now() })),
  );
  const closed = new Promise<void>((resolve) => connection.once("close", () => resolve()));
  // Let packets in flight land, then the client vanishes.
  await sleep(200);
  probes = 0;
  vanish();
  await sleep(100);
  // Silence is timed from the test's own log of the socket's bytes, not from the monitor's lastInboundAt.
  const arrived = test.inbound(connection);
  const lastInboundAt = arrived.at(-1) ?? Number.NaN;
  const { error, at } = await died;
  assert.equal(test.inbound(connection).length, arrived.length, "nothing arrived after the client vanished");
  await closed;
  assert.ok((connection as unknown as { _sock: { destroyed: boolean } })._sock.destroyed, "socket destroyed");
  // Closing stops the connection's processes (SIGHUP to the group): nothing is left behind.
  await waitUntil(() => groups.every((pid) => !isRunning(pid)), { timeout: 3000, what: "the remote command to stop" });
  await waitUntil(() => liveness.supervisor.size === 0, { timeout: 3000, what: "the supervisor to be empty" });
  return { error, at, lastInboundAt, probes };
}

function checkDeath(death: Death, t: { diagnostic(message: string): void }): void {
  const silentFor = death.at - death.lastInboundAt;
  t.diagnostic(`dead after ${silentFor.toFixed(1)} ms of inbound silence (bound ${BOUND} ms)`);
  assert.ok(silentFor >= BOUND - 1, `dead after ${silentFor.toFixed(0)} ms of silence, not before ${BOUND} ms`);
  assert.ok(silentFor <= BOUND + LATE, `dead after ${silentFor.toFixed(0)} ms of silence, bound ${BOUND} ms`);
  assert.equal(death.probes, COUNT_MAX, "C probes went out, then the connection was dropped");
  assert.equal(death.error.code, "ALIVE_TIMEOUT");
  assert.equal(death.error.level, "client-timeout");
  assert.equal(
    death.error.message,
    `Timeout, client not responding from user tester 127.0.0.1 port ${death.error.peer.port}`,
  );
  assert.ok(death.error.peer.port > 0);
}

async function cleanUp(client: Spawned): Promise<void> {
  client.thaw();
  await client.stop(500);
}

function suite(generation: Generation): void {
  const clients = clientsOf(generation);
  const [ssh] = clients;
  describe("ClientAlive against real clients", () => {
    for (const peer of clients) {
      it(`${peer.name} frozen with SIGSTOP: dead at last-inbound + (C+1)·I, socket destroyed, processes stopped`, {
        skip: peer.skip,
      }, async (t) => {
        const test = await startTestServer({ probe: { interval: INTERVAL, countMax: COUNT_MAX }, killGrace: 500 });
        const loggedIn = await logIn(test, () => peer.start(test, "echo ready; exec sleep 60"));
        try {
          checkDeath(await expectDeath(test, loggedIn, () => loggedIn.client.freeze()), t);
        } finally {
          await cleanUp(loggedIn.client);
          await test.close();
        }
      });
    }

    it(`${ssh.name} through a proxy that goes dark (client to server): same bound`, { skip: ssh.skip }, async (t) => {
      const test = await startTestServer({ probe: { interval: INTERVAL, countMax: COUNT_MAX } });
      const proxy = await startProxy({ target: { port: test.port } });
      const loggedIn = await logIn(test, () => ssh.start(test, "echo ready; exec sleep 60", { port: proxy.port }));
      try {
        checkDeath(await expectDeath(test, loggedIn, () => proxy.set("up", { mode: "blackhole" })), t);
      } finally {
        await cleanUp(loggedIn.client);
        await proxy.close();
        await test.close();
      }
    });

    it(`countMax 0 keeps probing and never ends the connection (sshd since 8.2), ${ssh.name} frozen`, {
      skip: ssh.skip,
    }, async () => {
      const test = await startTestServer({ probe: { interval: 300, countMax: 0 } });
      const loggedIn = await logIn(test, () => ssh.start(test, "echo ready; exec sleep 60"));
      try {
        let probes = 0;
        loggedIn.liveness.on("probe", () => probes++);
        let timeouts = 0;
        loggedIn.liveness.on("timeout", () => timeouts++);
        loggedIn.client.freeze();
        await sleep(2000);
        assert.ok(probes >= 4, `probes kept going out (${probes})`);
        assert.equal(timeouts, 0);
        assert.equal(loggedIn.liveness.stats().monitor?.state, "probing");
      } finally {
        await cleanUp(loggedIn.client);
        await test.close();
      }
    });

    it(`words the death as OpenSSH's sshd logs it (the oracle: sshd ${PEERS[generation].opensshVersion} itself)`, {
      skip: skipUnlessGeneration(generation, "sshd", "ssh"),
    }, async () => {
      const sshd = await startSshd({ generation, config: ["ClientAliveInterval 1", "ClientAliveCountMax 1"] });
      const client = startSshClient({
        generation,
        port: sshd.port,
        user: sshd.user,
        identity: sshd.clientKey.privatePath,
        command: "echo ready; sleep 30",
      });
      try {
        await client.waitForOutput(/ready/);
        client.freeze();
        const [line] = await sshd.waitForLog(/Timeout, client not responding.*/, 10_000);
        const port = Number(/port (\d+)/.exec(line)?.[1]);
        const ours = new ServerTimeoutError("ALIVE_TIMEOUT", { user: sshd.user, addr: "127.0.0.1", port });
        assert.equal(ours.message, line.trim());
      } finally {
        client.thaw();
        await client.stop(500);
        await sshd.stop();
      }
    });
  });
}

for (const generation of GENERATIONS) describe(generation, () => suite(generation));
