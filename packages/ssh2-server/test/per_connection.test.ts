/**
 * Options chosen per connection, as sshd's `Match` does (integration, in-process ssh2 Client and Server over
 * loopback): the function is asked at the accept, without a user, and again once the client authenticated.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { generateKey, makeTempDir, stopAll } from "@tsalive/test-support";
import ssh2 from "ssh2";
import {
  attachConnection,
  type ConnectionInfo,
  type Refusal,
  type ServerOptions,
  SSH2_KEEPALIVE_OFF,
} from "../src/index.ts";
import { sleep } from "./_clients.ts";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

/**
 * A login attempt: `"ready"` when the client logs in and the connection stays up for 300 ms, `"refused"` when it
 * closes or fails first (a refusal after authentication closes it right after the client's `ready`).
 */
function attempt(
  test: Pick<TestServer, "port"> & { readonly key: { readonly privateKey: string | Buffer } },
  username: string,
): Promise<"ready" | "refused"> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    client.on("error", () => resolve("refused"));
    client.once("close", () => resolve("refused"));
    client.once("ready", () => {
      setTimeout(() => {
        resolve("ready");
        client.end();
      }, 300);
    });
    client.connect({ host: "127.0.0.1", port: test.port, username, privateKey: test.key.privateKey });
  });
}

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

  for (const phase of ["accept", "authenticated"] as const) {
    it(`refuses one connection whose function throws ${phase === "accept" ? "at the accept" : "after authentication"}, and serves on`, async () => {
      const refusals: Refusal[] = [];
      let accepts = 0;
      const test = await startTestServer((info) => {
        // At the accept the function sees no user: the second connection fails there.
        if (info.user === undefined) accepts++;
        const failing = phase === "accept" ? info.user === undefined && accepts === 2 : info.user === "bad";
        if (failing) throw new Error("no such group");
        return {};
      });
      test.liveness.on("refuse", (refusal) => refusals.push(refusal));
      try {
        const outcomes: string[] = [];
        for (let i = 0; i < 4; i++)
          outcomes.push(await attempt(test, phase === "accept" ? "good" : i % 2 ? "bad" : "good"));
        assert.equal(refusals.length, phase === "accept" ? 1 : 2, JSON.stringify(outcomes));
        assert.ok(refusals.every((each) => each.phase === phase && each.reason === "threw"));
        assert.equal(String(refusals[0]?.error), "Error: no such group");
        if (phase === "authenticated") {
          assert.deepEqual(outcomes, ["ready", "refused", "ready", "refused"]);
          assert.equal(refusals[0]?.info.user, "bad");
        } else {
          assert.deepEqual(outcomes, ["ready", "refused", "ready", "ready"]);
        }
        assert.equal(await attempt(test, "good"), "ready", "the server still serves");
        assert.equal(test.liveness.stats().refused, refusals.length);
      } finally {
        await test.close();
      }
    });
  }

  it("refuses a connection whose function returns invalid options, and logs why with nobody listening", async () => {
    const logged: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => logged.push(line);
    const test = await startTestServer((info) =>
      info.user === "bad" ? ({ ClientAliveInterval: 15 } as ServerOptions) : { probe: { interval: 1000 } },
    );
    try {
      assert.equal(await attempt(test, "bad"), "refused");
      assert.equal(await attempt(test, "good"), "ready");
      assert.equal(logged.length, 1);
      assert.match(
        logged[0] ?? "",
        /^tsalive: refusing connection from user bad 127\.0\.0\.1 port \d+ after authentication: the options function returned invalid options: RangeError: Cannot attach to ssh2 server: "ClientAliveInterval" is not an option, received 15 \(did you mean "probe\.interval", in milliseconds\?\)/,
      );
    } finally {
      console.warn = warn;
      await test.close();
    }
  });

  it("attachConnection(): a function failing after authentication refuses that connection and logs why", async () => {
    const dir = makeTempDir("tsalive-ssh2-server-");
    const hostKey = generateKey(dir.join("host_key"), "tsalive-test-host");
    const clientKey = generateKey(dir.join("client_key"), "tsalive-test-client");
    const server = new ssh2.Server({ hostKeys: [hostKey.privateKey], ...SSH2_KEEPALIVE_OFF }, (connection) => {
      connection.on("error", () => {});
      attachConnection(connection, (info) => {
        if (info.user === "bad") throw new Error("no such group");
        return {};
      });
      connection.on("authentication", (ctx) => ctx.accept());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const logged: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => logged.push(line);
    try {
      const test = { port: (server.address() as AddressInfo).port, key: clientKey };
      assert.equal(await attempt(test, "bad"), "refused");
      assert.equal(await attempt(test, "good"), "ready");
      assert.equal(logged.length, 1);
      assert.match(
        logged[0] ?? "",
        /^tsalive: refusing connection from user bad 127\.0\.0\.1 port \d+ after authentication: the options function threw: Error: no such group$/,
      );
    } finally {
      console.warn = warn;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      dir.remove();
    }
  });
});
