import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../errors.ts";
import { memoryFileSystem } from "../fs.ts";
import { resolveServerConfig } from "./config.ts";
import { explainServerConfig } from "./explain.ts";
import { readServerConfig } from "./resolve.ts";

const file = "/etc/ssh/sshd_config";
const resolve = (text: string, extra: Partial<Parameters<typeof resolveServerConfig>[0]> = {}) =>
  resolveServerConfig({ config: { file, text }, extensions: null, ...extra });

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (caught) {
    if (caught instanceof ConfigError) return caught;
    throw caught;
  }
  throw new Error("expected a ConfigError");
}

test("defaults are sshd's", () => {
  const { values, sources } = resolve("");
  assert.equal(values.clientAliveInterval, 0);
  assert.equal(values.clientAliveCountMax, 3);
  assert.equal(values.loginGraceTime, 120);
  assert.equal(values.unusedConnectionTimeout, 0);
  assert.deepEqual(values.port, [22]);
  assert.deepEqual(values.authorizedKeysFile, [".ssh/authorized_keys", ".ssh/authorized_keys2"]);
  assert.equal(values.tcpKeepAlive && values.passwordAuthentication && values.pubkeyAuthentication, true);
  assert.deepEqual(sources.clientAliveInterval, { kind: "default" });
});

test("first value wins; the first matching Match value overrides it; provenance says which line", () => {
  const text =
    "ClientAliveInterval 30\nClientAliveInterval 40\nMatch User backup\n  ClientAliveInterval 5\nMatch all\n  ClientAliveInterval 9\n";
  assert.equal(resolve(text, { connection: { user: "root" } }).values.clientAliveInterval, 9);
  const backup = resolve(text, { connection: { user: "backup" } });
  assert.equal(backup.values.clientAliveInterval, 5);
  assert.deepEqual(backup.sources.clientAliveInterval, { kind: "file", file, line: 4 });
  const explained = explainServerConfig(backup, "clientaliveinterval");
  assert.equal(explained.value, "5");
  // Match all applies in both passes, so line 6 is read twice but listed once.
  assert.equal(explained.ignored.length, 3);
  assert.match(explained.text, /line 1 "ClientAliveInterval 30" \(a matching Match block overrides the global value\)/);
});

test("-o options come first and are named as such", () => {
  const { values, sources } = resolve("ClientAliveCountMax 1\n", { options: ["ClientAliveCountMax=7"] });
  assert.equal(values.clientAliveCountMax, 7);
  assert.deepEqual(sources.clientAliveCountMax, { kind: "option", index: 0, text: "ClientAliveCountMax=7" });
  assert.match(error(() => resolve("", { options: ["Include /x"] })).message, /Include directive not supported/);
});

test("UnusedConnectionTimeout: a later none overrides an earlier value", () => {
  const resolved = resolve("UnusedConnectionTimeout 5m\nUnusedConnectionTimeout 10\nUnusedConnectionTimeout none\n");
  assert.equal(resolved.values.unusedConnectionTimeout, 0);
  assert.deepEqual(resolved.sources.unusedConnectionTimeout, { kind: "file", file, line: 3 });
  assert.match(explainServerConfig(resolved, "UnusedConnectionTimeout").text, /a later "none" overrides it/);
  assert.equal(resolve("UnusedConnectionTimeout 5m\nUnusedConnectionTimeout 10\n").values.unusedConnectionTimeout, 300);
});

test("ChannelTimeout is a typed list; none clears it", () => {
  const { values } = resolve("ChannelTimeout session:*=2m direct-tcpip=1h\n");
  assert.deepEqual(values.channelTimeout, [
    { type: "session:*", timeout: 120 },
    { type: "direct-tcpip", timeout: 3600 },
  ]);
  assert.deepEqual(resolve("ChannelTimeout none\n").values.channelTimeout, []);
  assert.match(error(() => resolve("ChannelTimeout session\n")).message, /invalid channel timeout session/);
});

test("Match Group uses the injected lookup; an unknown user is in no group", () => {
  const groups = (user: string) => (user === "ann" ? ["ann", "wheel"] : undefined);
  const text = "Match Group wheel\n  ClientAliveInterval 3\n";
  assert.equal(resolve(text, { connection: { user: "ann" }, groups }).values.clientAliveInterval, 3);
  assert.equal(resolve(text, { connection: { user: "bob" }, groups }).values.clientAliveInterval, 0);
  const fs = memoryFileSystem({
    "/etc/passwd": "ann:x:1000:1000::/home/ann:/bin/sh\n",
    "/etc/group": "ann:x:1000:\nwheel:x:10:root,ann\n",
  });
  assert.equal(resolve(text, { connection: { user: "ann" }, fs }).values.clientAliveInterval, 3);
});

test("keywords not allowed in Match and unknown keywords fail with sshd's words", () => {
  const notAllowed = error(() => resolve("Match User x\n  Port 2222\n"));
  assert.equal(notAllowed.message, `${file} line 2: Directive 'Port' is not allowed within a Match block`);
  assert.equal(notAllowed.line, 2);
  assert.equal(notAllowed.keyword, "Port");
  const unknown = error(() => resolve("Foo 1\nClientAliveInterval 5\nBar 2\n"));
  assert.deepEqual(
    unknown.errors.map((e) => e.line),
    [1, 3],
  );
  assert.match(unknown.message, /terminating, 2 bad configuration options$/);
  assert.match(error(() => resolve("WatchdogTimeout 5\n")).message, /Bad configuration option: WatchdogTimeout/);
});

test("Include is relative to /etc/ssh, conditional inside Match, and a loop is reported", () => {
  const fs = memoryFileSystem({
    "/etc/ssh/sshd_config.d/a.conf": "ClientAliveInterval 11\n",
    "/etc/ssh/loop": "Include loop\n",
  });
  const text = "Match User ann\n  Include sshd_config.d/*.conf\n";
  assert.equal(resolve(text, { fs, connection: { user: "ann" } }).values.clientAliveInterval, 11);
  assert.equal(resolve(text, { fs, connection: { user: "bob" } }).values.clientAliveInterval, 0);
  const loop = error(() => resolve("Include loop\n", { fs }));
  assert.equal(loop.code, "CONFIG_INCLUDE_LOOP");
});

test("the extension file holds Heartbeat and WatchdogTimeout, with Match, and only those", () => {
  const fs = memoryFileSystem({
    "/etc/ssh/sshd_config": "ClientAliveInterval 15\n",
    "/etc/ssh/tsalive_config": "WatchdogTimeout 60\nHeartbeat 20\nMatch User ann\n  WatchdogTimeout 10\n",
  });
  const ann = resolveServerConfig({ fs, connection: { user: "ann" } });
  assert.equal(ann.values.clientAliveInterval, 15);
  assert.equal(ann.values.watchdogTimeout, 10);
  assert.equal(ann.values.heartbeat, 20);
  assert.deepEqual(ann.sources.watchdogTimeout, { kind: "file", file: "/etc/ssh/tsalive_config", line: 4 });
  assert.equal(resolveServerConfig({ fs, connection: { user: "bob" } }).values.watchdogTimeout, 60);
  assert.equal(resolveServerConfig({ fs, extensions: null }).values.watchdogTimeout, 0);
  const misplaced = error(() =>
    resolveServerConfig({ fs, extensions: { file: "tsalive_config", text: "ClientAliveInterval 5\n" } }),
  );
  assert.match(misplaced.message, /Bad configuration option: ClientAliveInterval/);
  const missing = error(() => resolveServerConfig({ fs, extensions: "/etc/ssh/nope" }));
  assert.equal(missing.code, "CONFIG_READ_FAILED");
});

test("a missing sshd_config is a read failure", () => {
  assert.equal(error(() => resolveServerConfig({ config: "/nope" })).code, "CONFIG_READ_FAILED");
});

test("arbitrary text never throws anything but ConfigError", () => {
  const words = [
    "Match",
    "User",
    "Address",
    "all",
    "Include",
    "ClientAliveInterval",
    "Port",
    "none",
    "=",
    "#",
    '"',
    "10.0.0.0/8",
    "x",
    " ",
    "\n",
    "\t",
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...words), { maxLength: 30 }), (parts) => {
      try {
        readServerConfig({
          config: { text: parts.join("") },
          extensions: null,
          connection: { user: "x", address: "10.1.1.1" },
        });
      } catch (caught) {
        assert.ok(caught instanceof ConfigError, String(caught));
      }
    }),
  );
});
