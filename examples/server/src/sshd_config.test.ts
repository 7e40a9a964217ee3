import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseServerArguments } from "./argv.ts";
import { toServerOptions } from "./liveness_options.ts";
import { loadSshdConfig, resolveSshdSettings } from "./sshd_config.ts";
import { addressMatches } from "./sshd_match.ts";

const load = (text: string, options: string[] = [], ports: number[] = []) =>
  loadSshdConfig("sshd_config", options, ports, () => text);

describe("sshd_config", () => {
  it("first value wins, -o first, Match overrides per connection", () => {
    const config = load(
      "ClientAliveInterval 5\nClientAliveInterval 9\nWatchdogTimeout 1m\nMatch User bob\n  ClientAliveInterval 7\n",
      ["ClientAliveCountMax=1"],
    );
    assert.equal(resolveSshdSettings(config).clientAliveInterval, 5);
    assert.equal(resolveSshdSettings(config, { user: "bob" }).clientAliveInterval, 7);
    assert.equal(resolveSshdSettings(config, { user: "alice" }).clientAliveInterval, 5);
    assert.equal(resolveSshdSettings(config).clientAliveCountMax, 1);
    assert.equal(resolveSshdSettings(config).watchdogTimeout, 60);
  });
  it("reports every bad line in sshd's words, then fails", () => {
    assert.throws(
      () => load("ClientAliveInterval soon\nNoSuchThing 1\nMatch User x\n  Port 1\n"),
      (error: Error) =>
        error.message ===
        [
          "sshd_config line 1: invalid time value.",
          "sshd_config line 2: Bad configuration option: NoSuchThing",
          "sshd_config line 4: Directive 'Port' is not allowed within a Match block",
          "sshd_config: terminating, 3 bad configuration options",
        ].join("\n"),
    );
  });
  it("-p replaces the file's Port lines; maps to the adapter's options in ms", () => {
    const settings = resolveSshdSettings(
      load("Port 2200\nClientAliveInterval 2\nChannelTimeout session:*=1m x=0\n", [], [0]),
    );
    assert.deepEqual(settings.port, [0]);
    assert.deepEqual(toServerOptions(settings), {
      probe: { interval: 2000, countMax: 3 },
      channelTimeout: { "session:*": 60_000 },
      tcpKeepAlive: true,
    });
  });
  it("matches addresses as addr_match_list does", () => {
    assert.equal(addressMatches("10.1.2.3", "10.0.0.0/8"), true);
    assert.equal(addressMatches("10.1.2.3", "!10.0.0.0/8,*"), false);
    assert.equal(addressMatches("192.168.1.1", "192.168.1.*"), true);
    assert.equal(addressMatches("::1", "::1/128"), true);
  });
  it("reads sshd's arguments", () => {
    const args = parseServerArguments(["-Dd", "-f", "c", "-p", "0", "-T", "-C", "user=u,addr=1.2.3.4,lport=22"]);
    assert.deepEqual([args.debug, args.configFile, args.ports, args.test], [1, "c", [0], true]);
    assert.deepEqual(args.connection, { user: "u", addr: "1.2.3.4", lport: 22 });
  });
});
