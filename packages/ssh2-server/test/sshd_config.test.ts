/**
 * Options straight from sshd_config, with `Match` evaluated per connection by `@tsalive/config` (integration,
 * in-process ssh2 Client and Server over loopback, real time).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { resolveServerConfig, serverMonitorOptions, serverTimeouts } from "@tsalive/config";
import { stopAll } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { type ConnectionInfo, type ServerOptions, sshdMatchConnection } from "../src/index.ts";
import { sleep } from "./_clients.ts";
import { startTestServer, type TestServer } from "./_server.ts";

after(stopAll);

const SSHD_CONFIG = `ClientAliveInterval 30
UnusedConnectionTimeout none
Match User strict
  ClientAliveInterval 5
  ClientAliveCountMax 0
  UnusedConnectionTimeout 1
  ChannelTimeout session:*=2
`;
const TSALIVE_CONFIG = "WatchdogTimeout 60\n";

function optionsFor(info: ConnectionInfo): ServerOptions {
  const { values } = resolveServerConfig({
    config: { file: "/etc/ssh/sshd_config", text: SSHD_CONFIG },
    extensions: { file: "/etc/ssh/tsalive_config", text: TSALIVE_CONFIG },
    connection: sshdMatchConnection(info),
  });
  return { ...serverMonitorOptions(values), ...serverTimeouts(values) };
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

describe("options from sshd_config with Match per connection", () => {
  it("applies the Match User block after authentication, the global values before and for other users", async () => {
    const test = await startTestServer(optionsFor);
    try {
      const strict = await connect(test, "strict");
      const relaxed = await connect(test, "relaxed");
      const [first, second] = test.connections;
      assert.ok(first && second);
      assert.deepEqual(test.liveness.of(first)?.options, {
        probe: { interval: 5000, countMax: 0, zeroCountMax: "never" },
        watchdog: { timeout: 60_000 },
        unusedConnectionTimeout: 1000,
        channelTimeout: { "session:*": 2000 },
        tcpKeepAlive: true,
      });
      assert.deepEqual(test.liveness.of(second)?.options, {
        probe: { interval: 30_000, countMax: 3, zeroCountMax: "never" },
        watchdog: { timeout: 60_000 },
        channelTimeout: {},
        tcpKeepAlive: true,
      });
      await sleep(1600);
      assert.equal(strict.closed(), true, "UnusedConnectionTimeout 1 from Match User strict");
      assert.equal(relaxed.closed(), false, "UnusedConnectionTimeout none globally");
      relaxed.client.end();
    } finally {
      await test.close();
    }
  });
});
