/**
 * A key exchange is never silence (integration, in-process ssh2 Client and Server over loopback, through a proxy
 * that throttles the client's bytes): while one runs, packets skip ssh2's `_onPacket`, so tsalive counts the raw
 * bytes instead, and a slow rekey that takes longer than the ClientAlive bound does not kill a live client.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { startProxy, stopAll } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { checkConnection } from "../src/_ssh2_internals.ts";
import { startTestServer } from "./_server.ts";

after(stopAll);

describe("key exchange", () => {
  it("a rekey slower than (C+1)·I, with the client's bytes trickling in, is not a death", async (t) => {
    const test = await startTestServer({ probe: { interval: 400, countMax: 1 } });
    const proxy = await startProxy({ target: { port: test.port } });
    const client = new ssh2.Client();
    client.on("error", () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        client.once("ready", () => resolve());
        client.once("error", reject);
        client.connect({ host: "127.0.0.1", port: proxy.port, username: "tester", privateKey: test.key.privateKey });
      });
      const connection = test.connections[0];
      assert.ok(connection);
      const timeouts: Error[] = [];
      let died: (error: Error) => void = () => {};
      const death = new Promise<Error>((resolve) => {
        died = resolve;
      });
      test.liveness.on("timeout", ({ payload }) => {
        timeouts.push(payload);
        died(payload);
      });
      // The client's KEXINIT and key exchange messages (about 1.3 KB) now take seconds to arrive.
      proxy.set("up", { mode: "throttle", bytesPerSecond: 400 });
      const startedAt = performance.now();
      const rekeyed = new Promise<void>((resolve) => connection.once("rekey", () => resolve()));
      checkConnection(connection)._protocol.rekey();
      let bound: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        rekeyed.then(() => "rekeyed"),
        death.then((error) => `dead: ${error.message}`),
        new Promise((resolve) => {
          bound = setTimeout(() => resolve("no rekey within 10 s"), 10_000);
        }),
      ]);
      clearTimeout(bound);
      assert.equal(outcome, "rekeyed");
      const took = performance.now() - startedAt;
      proxy.set("up", { mode: "pass" });
      t.diagnostic(`the rekey took ${took.toFixed(0)} ms; the ClientAlive bound is 800 ms`);
      assert.ok(took > 800 + 400, `the key exchange outlasted the bound (${took.toFixed(0)} ms)`);
      assert.deepEqual(timeouts, []);
      // Still alive and usable afterwards.
      const output = await new Promise<string>((resolve, reject) => {
        client.exec("echo after-rekey", (error, stream) => {
          if (error) return reject(error);
          let text = "";
          stream.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          stream.once("close", () => resolve(text));
        });
      });
      assert.match(output, /after-rekey/);
    } finally {
      client.end();
      await proxy.close();
      await test.close();
    }
  });
});
