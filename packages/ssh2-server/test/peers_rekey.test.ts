/**
 * A key exchange with a real client is never silence (integration, real time over loopback, through a proxy that
 * throttles the client's bytes to 400 B/s): the server starts a rekey, the client's KEXINIT and key exchange
 * messages take seconds to arrive, longer than the ClientAlive bound of 800 ms, and the client survives it with its
 * command's output intact. Against the ssh and dbclient of every peer generation, the generations side by side.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GENERATIONS, startProxy, stopAll } from "@tsalive/test-support";
import { checkConnection } from "../src/_ssh2_internals.ts";
import type { ServerTimeoutError } from "../src/index.ts";
import { clientsOf, logIn } from "./_clients.ts";
import { startTestServer } from "./_server.ts";

after(stopAll);

const INTERVAL = 400;
const COUNT_MAX = 1;
const BOUND = (COUNT_MAX + 1) * INTERVAL;

describe("a server rekey with real clients", { concurrency: GENERATIONS.length }, () => {
  for (const generation of GENERATIONS) {
    describe(generation, () => {
      for (const peer of clientsOf(generation)) {
        it(`${peer.name}: a rekey slower than (C+1)·I, with the client's bytes trickling in, is not a death`, {
          skip: peer.skip,
        }, async (t) => {
          // No compression: dbclient asks for zlib@openssh.com, and ssh2's server loses its inflate state on a rekey
          // with it, tsalive attached or not ("invalid distance too far back", "unexpected packet type 105").
          const test = await startTestServer(
            { probe: { interval: INTERVAL, countMax: COUNT_MAX } },
            { config: { algorithms: { compress: ["none"] } } },
          );
          const proxy = await startProxy({ target: { port: test.port } });
          const timeouts: ServerTimeoutError[] = [];
          test.liveness.on("timeout", ({ payload }) => timeouts.push(payload));
          const { client, connection } = await logIn(test, () =>
            peer.start(test, "echo ready; sleep 8; echo done", { port: proxy.port }),
          );
          try {
            proxy.set("up", { mode: "throttle", bytesPerSecond: 400 });
            const startedAt = performance.now();
            const rekeyed = new Promise<void>((resolve) => connection.once("rekey", () => resolve()));
            checkConnection(connection)._protocol.rekey();
            let bound: NodeJS.Timeout | undefined;
            const outcome = await Promise.race([
              rekeyed.then(() => "rekeyed"),
              client.exited.then((exit) => `the client exited (${JSON.stringify(exit)}): ${client.output}`),
              new Promise((resolve) => {
                bound = setTimeout(() => resolve("no rekey within 15 s"), 15_000);
              }),
            ]);
            clearTimeout(bound);
            const took = performance.now() - startedAt;
            proxy.set("up", { mode: "pass" });
            t.diagnostic(`the rekey took ${took.toFixed(0)} ms; the ClientAlive bound is ${BOUND} ms`);
            assert.equal(outcome, "rekeyed");
            assert.ok(took > BOUND + INTERVAL, `the key exchange outlasted the bound (${took.toFixed(0)} ms)`);
            const exit = await client.exited;
            assert.equal(exit.code, 0, client.output);
            assert.match(client.output, /^done$/m);
            assert.deepEqual(
              timeouts.map((error) => error.message),
              [],
            );
          } finally {
            await client.stop(500);
            await proxy.close();
            await test.close();
          }
        });
      }
    });
  }
});
