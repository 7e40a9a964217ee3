import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseServerArguments } from "./argv.ts";
import { formatServerConfig } from "./print_config.ts";
import { adapterOptions } from "./server.ts";
import { listenPorts, loadServerConfig, STARTUP_CONNECTION, unhonouredKeywords } from "./server_config.ts";

const dir = mkdtempSync(join(tmpdir(), "tsalive-sshd-config-"));
after(() => rmSync(dir, { recursive: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe("server configuration", () => {
  it("a Match LocalPort is read at start, as sshd reads it (only sshd -T wants an lport)", () => {
    const source = {
      configFile: file("localport", "GatewayPorts no\nMatch LocalPort 2222\n  GatewayPorts yes\n"),
      options: [],
      extensions: undefined,
      ports: [2222],
    };
    assert.throws(() => loadServerConfig(source), /'Match LocalPort' in configuration but 'lport' not in connection/);
    assert.equal(
      loadServerConfig(source, STARTUP_CONNECTION).resolution.settings.get("gatewayports")?.assignments.length,
      1,
    );
    const on2222 = loadServerConfig(source, { user: "u", address: "127.0.0.1", localPort: 2222 });
    assert.equal(on2222.resolution.settings.get("gatewayports")?.assignments.length, 2);
  });
  it("-o first, Match per connection, extension keywords from their own file, -p replacing Port", () => {
    const source = {
      configFile: file(
        "sshd_config",
        "Port 2200\nClientAliveInterval 5\nUsePAM no\nMatch User bob\n  ClientAliveInterval 7\n",
      ),
      options: ["ClientAliveCountMax=1"],
      extensions: file("tsalive_config", "WatchdogTimeout 1m\nMatch Address 10.0.0.0/8\n  Heartbeat 10\n"),
      ports: [0],
    };
    const global = loadServerConfig(source);
    assert.equal(global.values.clientAliveInterval, 5);
    assert.equal(global.values.clientAliveCountMax, 1);
    assert.equal(global.values.watchdogTimeout, 60);
    assert.deepEqual(listenPorts(global, source), [0]);
    assert.deepEqual(unhonouredKeywords(global), ["UsePAM"]);
    const bob = loadServerConfig(source, { user: "bob", address: "10.1.2.3" });
    assert.equal(bob.values.clientAliveInterval, 7);
    assert.equal(bob.values.heartbeat, 10);
    assert.deepEqual(adapterOptions(bob.values), {
      probe: { interval: 7000, countMax: 1, zeroCountMax: "never" },
      heartbeat: { interval: 10_000 },
      watchdog: { timeout: 60_000 },
      channelTimeout: {},
      tcpKeepAlive: true,
    });
    assert.match(
      formatServerConfig(global, [0]),
      /^Port 0\nAddressFamily any\nListenAddress \[::\]:0\nListenAddress 0\.0\.0\.0:0\n/,
    );
    assert.match(formatServerConfig(global, [0]), /\nHeartbeat 0\nWatchdogTimeout 60\n$/);
  });
  it("reads sshd's arguments, and --tsalive-config", () => {
    const args = parseServerArguments([
      "-Dd",
      "-f",
      "c",
      "-p",
      "0",
      "-T",
      "-C",
      "user=u,addr=1.2.3.4,lport=22",
      "--tsalive-config",
      "t",
      "--openssh",
      "10.0",
    ]);
    assert.deepEqual(
      [args.debug, args.configFile, args.ports, args.test, args.extensions, args.openssh],
      [1, "c", [0], true, "t", "10.0"],
    );
    assert.throws(() => parseServerArguments(["--openssh", "9.9"]), /Unsupported OpenSSH version 9\.9/);
    assert.deepEqual(parseServerArguments(["-T", "-C", "user=u,invalid-user,rdomain=r"]).connection, {
      user: "u",
      invalidUser: true,
      rdomain: "r",
    });
    assert.deepEqual(args.connection, { user: "u", addr: "1.2.3.4", lport: 22 });
  });
});
