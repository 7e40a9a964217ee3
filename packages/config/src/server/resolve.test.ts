import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../errors.ts";
import { memoryFileSystem } from "../fs.ts";
import { resolveServerConfig } from "./config.ts";
import { explainServerConfig } from "./explain.ts";
import { extensionNotice } from "./extension_notice.ts";
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
  const strict = error(() => resolve("WatchdogTimeout 5\n", { strict: true }));
  assert.match(strict.message, /Bad configuration option: WatchdogTimeout/);
});

test("the seed's keywords are read in place, and said once to be tsalive's; strict refuses them", () => {
  const resolved = resolve("ClientAliveInterval 5\nWatchdogTimeout 15\nMatch User ann\n  Heartbeat 3\n", {
    connection: { user: "ann" },
  });
  assert.equal(resolved.values.watchdogTimeout, 15);
  assert.equal(resolved.values.heartbeat, 3);
  assert.deepEqual(resolved.sources.watchdogTimeout, { kind: "file", file, line: 2 });
  assert.equal(resolved.resolution.extensionNotes.length, 2);
  const notice = extensionNotice(resolved) ?? "";
  assert.match(notice, /^\/etc\/ssh\/sshd_config line 2: WatchdogTimeout is a tsalive extension/);
  assert.match(notice, /and 1 more such line\. To share the file with OpenSSH, move .* \/etc\/ssh\/tsalive_config/);
  assert.equal(extensionNotice(resolve("ClientAliveInterval 5\n")), undefined);
  // The extension file still works, and its value wins over sshd_config's.
  const both = resolve("WatchdogTimeout 15\n", {
    extensions: { file: "/etc/ssh/tsalive_config", text: "WatchdogTimeout 9\n" },
  });
  assert.equal(both.values.watchdogTimeout, 9);
});

test("each release knows its own keywords and says Bad configuration option about newer ones", () => {
  const text = "PerSourcePenalties authfail:10\nRefuseConnection no\n";
  const old = error(() => resolve(text, { openssh: "9.2" }));
  assert.equal(
    old.message,
    [
      `${file}: line 1: Bad configuration option: PerSourcePenalties`,
      `${file}: line 2: Bad configuration option: RefuseConnection`,
      `${file}: terminating, 2 bad configuration options`,
    ].join("\n"),
  );
  assert.equal(resolve(text, { openssh: "10.0" }).resolution.openssh, "10.0");
  assert.equal(resolve("").resolution.openssh, "10.6");
  assert.match(error(() => resolve("AgentSocketPath x\n", { openssh: "10.0" })).message, /Bad configuration option/);
  assert.match(
    error(() => resolve("Match User x\n  Subsystem a b\n", { openssh: "9.2" })).message,
    /Directive 'Subsystem' is not allowed within a Match block/,
  );
  assert.equal(resolve("Match User x\n  Subsystem a b\n", { openssh: "10.0" }).values.port[0], 22);
  assert.throws(() => resolve("", { openssh: "9.9" as "9.2" }), RangeError);
});

test("Match from 10.0: criteria=arg, invalid-user, version; 9.2 refuses them", () => {
  const text =
    "Match user=ann address=10.0.0.0/8\n  ClientAliveInterval 7\nMatch invalid-user\n  ClientAliveCountMax 1\n";
  const ann = resolve(text, { openssh: "10.0", connection: { user: "ann", address: "10.1.2.3" } });
  assert.equal(ann.values.clientAliveInterval, 7);
  assert.equal(ann.values.clientAliveCountMax, 3);
  const invalid = resolve(text, { openssh: "10.6", connection: { user: "x", invalidUser: true } });
  assert.equal(invalid.values.clientAliveCountMax, 1);
  // 9.2's strdelim splits `user=ann` at the "=" too; it has no invalid-user.
  assert.match(error(() => resolve(text, { openssh: "9.2" })).message, /^Missing Match criteria for invalid-user\n/);
  const version = "Match version OpenSSH_10.6*\n  ClientAliveInterval 9\n";
  assert.equal(resolve(version, { openssh: "10.6" }).values.clientAliveInterval, 9);
  assert.equal(resolve(version, { openssh: "10.0" }).values.clientAliveInterval, 0);
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

test("explain knows which keywords take their last line in a release", () => {
  const text = "MaxStartups 5\nMaxStartups 7:20:9\n";
  assert.equal(explainServerConfig(resolve(text, { openssh: "10.0" }), "MaxStartups").value, "7:20:9");
  const newest = explainServerConfig(resolve(text), "MaxStartups");
  assert.equal(newest.value, "5");
  assert.equal(newest.ignored[0]?.reason, "the first value wins");
  const old = explainServerConfig(resolve(text, { openssh: "9.2" }), "MaxStartups");
  assert.equal(old.ignored[0]?.reason, "the last value wins for this keyword in this release");
});
