/**
 * Options chosen per connection, as sshd's `Match` does (integration, in-process ssh2 Client and Server over
 * loopback): the function is asked at the accept, without a user, and again once the client authenticated.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { stopAll } from "@tsalive/test-support";
import ssh2 from "ssh2";
import type { ConnectionInfo, ServerOptions } from "../src/index.ts";
import { sleep } from "./_clients.ts";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

async function connect(test: TestServer, username: string): Promise<{ client: ssh2.Client; closed: () => boolean }> {
  const client = new ssh2.Client();
  let closed = false;
  client.once("close", () => {
    closed = true;
  });
  client.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port: test.port, username, privateKey: test.key.privateKey });
  });
  return { client, closed: () => closed };
}

describe("options per connection (Match)", () => {
  it("asks at the accept and after authentication, and applies the second answer", async () => {
    const calls: ConnectionInfo[] = [];
    const strict: ServerOptions = { unusedConnectionTimeout: 400 };
    const relaxed: ServerOptions = {};
    const test = await startTestServer((info) => {
      calls.push(info);
      return info.user === "strict" ? strict : relaxed;
    });
    try {
      const a = await connect(test, "strict");
      const b = await connect(test, "relaxed");
      await sleep(1000);
      assert.equal(a.closed(), true, "Match User strict: UnusedConnectionTimeout 0.4 s");
      assert.equal(b.closed(), false, "no Match: no timeout");
      assert.deepEqual(
        calls.map((info) => info.user),
        [undefined, "strict", undefined, "relaxed"],
      );
      const [first] = calls;
      assert.equal(first?.addr, "127.0.0.1");
      assert.equal(first?.lport, test.port);
      assert.ok((first?.port ?? 0) > 0);
      b.client.end();
    } finally {
      await test.close();
    }
  });
});
