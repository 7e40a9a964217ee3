/**
 * The supervisor against real servers (integration, real time over loopback): a chain of OpenSSH 9.2, the newest
 * OpenSSH generation behind the fault proxy, and Dropbear. Blackholing the middle hop kills the chain by that hop's
 * ServerAlive; the supervisor reconnects through it once the link is back, and the forward it re-establishes works
 * again. An auth failure at a hop is never retried.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  type FaultProxy,
  firstBytes,
  PEERS as GENERATION_PEERS,
  GENERATIONS,
  startProxy,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";
import type { Client } from "ssh2";
import { type Chain, type ChainHop, connectChain, type SupervisorEvents, supervise } from "../src/index.ts";
import { type Peer, type ServerKind, serversOf } from "./_peers.ts";

after(stopAll);

const NEWEST = GENERATIONS.filter((generation) => !GENERATION_PEERS[generation].host).at(-1) ?? "bookworm";
const [sshd92, dropbear92] = serversOf("bookworm") as [ServerKind, ServerKind];
const [sshdNew] = serversOf(NEWEST) as [ServerKind];

/** A local port forwarded to `host:port` through whichever client is current (what `-L` keeps across reconnects). */
async function localForward(
  host: string,
  port: number,
): Promise<{ server: Server; port: number; use(c?: Client): void }> {
  let current: Client | undefined;
  const server = createServer((socket) => {
    socket.on("error", () => {});
    if (current === undefined) return socket.destroy();
    current.forwardOut("127.0.0.1", 0, host, port, (error, stream) => {
      if (error) return socket.destroy();
      socket.pipe(stream).pipe(socket);
      stream.on("close", () => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    server,
    port: address.port,
    use: (client) => {
      current = client;
    },
  };
}

describe("supervise() over a chain of real servers", {
  skip: sshd92.skip || dropbear92.skip || sshdNew.skip,
}, () => {
  let servers: [Peer, Peer, Peer];
  let proxy: FaultProxy;
  before(async () => {
    servers = (await Promise.all([sshd92.start(), sshdNew.start(), dropbear92.start()])) as [Peer, Peer, Peer];
    proxy = await startProxy({ target: { port: servers[1].port } });
  });
  after(async () => {
    await proxy.close();
    await Promise.all(servers.map((server) => server.stop()));
  });

  function hops(targetUser?: string): ChainHop[] {
    const [bastion, middle, target] = servers;
    const through = (name: string, server: Peer, port: number, interval: number, user = server.user): ChainHop => ({
      name,
      connect: { host: "127.0.0.1", port, username: user, privateKey: server.privateKey, readyTimeout: 10_000 },
      liveness: { probe: { interval, countMax: 1 } },
    });
    return [
      through("bastion", bastion, bastion.port, 500),
      through("middle", middle, proxy.port, 500), // the bastion's direct-tcpip goes through the fault proxy
      through("target", target, target.port, 300, targetUser),
    ];
  }

  it("a blackholed middle hop: the chain dies by its ServerAlive, comes back, and the forward works again", async () => {
    const forward = await localForward("127.0.0.1", servers[2].port);
    const log: string[] = [];
    const supervisor = supervise<Chain>({
      connect: async () => {
        const chain = connectChain(hops());
        chain.on("timeout", ({ hop, error }) => log.push(`timeout ${hop}: ${error.message}`));
        await chain.ready;
        return chain;
      },
      establish: (chain, { reconnected }) => {
        log.push(`establish${reconnected ? " again" : ""}`);
        forward.use(chain.clients.at(-1));
      },
      gate: 0,
      backoff: { initial: 200, max: 1000, jitter: 0 },
    });
    const on = <K extends keyof SupervisorEvents<Chain>>(event: K, text: (p: SupervisorEvents<Chain>[K]) => string) =>
      supervisor.on(event, (payload) => log.push(text(payload)));
    on("connected", ({ attempt }) => `connected ${attempt}`);
    on("disconnected", ({ cause, connected }) => `${connected ? "lost" : "failed"} ${cause}`);
    on("waiting", ({ delay }) => `waiting ${delay}`);
    try {
      await waitUntil(async () => (await firstBytes(forward.port)).startsWith("SSH-2.0-dropbear"), {
        timeout: 10_000,
        what: "the forward",
      });
      proxy.set("both", { mode: "blackhole" });
      await waitUntil(() => log.includes("waiting 200"), { timeout: 6000, what: "the death and the retry" });
      // The middle hop is the one named, though the target behind it (shorter bound) gave up first.
      assert.ok(log.includes("timeout middle: Timeout, server middle not responding."), log.join("\n"));
      assert.ok(!log.some((line) => line.startsWith("timeout target")), log.join("\n"));
      assert.ok(log.includes("lost liveness"), log.join("\n"));
      proxy.set("both", { mode: "pass" });
      await waitUntil(() => log.includes("establish again"), { timeout: 10_000, what: "the reconnect" });
      await waitUntil(async () => (await firstBytes(forward.port)).startsWith("SSH-2.0-dropbear"), {
        timeout: 10_000,
        what: "the forward again",
      });
    } finally {
      proxy.set("both", { mode: "pass" });
      await supervisor.stop();
      forward.server.close();
    }
  });

  it("an auth failure at a hop is not retried", async () => {
    let attempts = 0;
    const supervisor = supervise<Chain>({
      connect: async () => {
        attempts++;
        const chain = connectChain(hops("nobody-here"));
        await chain.ready;
        return chain;
      },
      gate: 0, // not the gate: a failure that could be retried would be
      backoff: { initial: 100, jitter: 0 },
    });
    const end = await supervisor.ended;
    assert.equal(end.reason, "gave-up");
    assert.ok(end.reason === "gave-up" && end.why === "never-retried" && end.cause === "auth", JSON.stringify(end));
    assert.equal(attempts, 1);
  });
});
