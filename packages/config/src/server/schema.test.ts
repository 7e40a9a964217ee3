import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveServerConfig } from "./config.ts";
import { explainServerConfig } from "./explain.ts";
import {
  channelTimeoutEntry,
  listenAddressValue,
  serverConfigSchema,
  serverFlagValue,
  serverKeywordSchemas,
} from "./schema.ts";

test("serverFlagValue: yes/no in any case, nothing else", () => {
  assert.equal(serverFlagValue.parse("YES"), true);
  assert.equal(serverFlagValue.parse("no"), false);
  const result = serverFlagValue.safeParse("true");
  assert.equal(result.success, false);
  assert.equal(result.error?.issues[0]?.message, 'unsupported option "true".');
});

test("channelTimeoutEntry: type=interval with convtime units", () => {
  assert.deepEqual(channelTimeoutEntry.parse("session:*=1h30m"), { type: "session:*", timeout: 5400 });
  // The type ends at the first "=", as in servconf.c's parse_timeout.
  for (const bad of ["a=b=5", "=5", "session", "session=", "session=5x", "session=-1"]) {
    assert.equal(channelTimeoutEntry.safeParse(bad).success, false, bad);
  }
});

test("listenAddressValue: host, [v6]:port, bare IPv6, and sshd's refusals", () => {
  assert.deepEqual(listenAddressValue.parse("127.0.0.1"), { host: "127.0.0.1" });
  assert.deepEqual(listenAddressValue.parse("127.0.0.1:2222"), { host: "127.0.0.1", port: 2222 });
  assert.deepEqual(listenAddressValue.parse("[::1]:22"), { host: "::1", port: 22 });
  assert.deepEqual(listenAddressValue.parse("fe80::1"), { host: "fe80::1" });
  assert.equal(listenAddressValue.safeParse("host/22").success, false);
  assert.equal(listenAddressValue.safeParse("host:0").success, false);
});

test("UnusedConnectionTimeout none reads as 0; the extension keywords are times", () => {
  assert.equal(serverKeywordSchemas.UnusedConnectionTimeout.parse("NONE"), 0);
  assert.equal(serverKeywordSchemas.UnusedConnectionTimeout.parse("2m"), 120);
  assert.equal(serverKeywordSchemas.Heartbeat.parse("30"), 30);
  assert.equal(serverKeywordSchemas.WatchdogTimeout.safeParse("soon").success, false);
});

test("serverConfigSchema refuses values sshd could never produce", () => {
  const base = resolveServerConfig({ config: { text: "" }, extensions: null }).values;
  assert.equal(serverConfigSchema.safeParse(base).success, true);
  assert.equal(serverConfigSchema.safeParse({ ...base, clientAliveInterval: -1 }).success, false);
  assert.equal(serverConfigSchema.safeParse({ ...base, port: [0] }).success, false);
});

test("explain lists every line of a keyword that accumulates", () => {
  const resolved = resolveServerConfig({
    config: { file: "sshd_config", text: "Port 22\nPort 2222\nListenAddress 127.0.0.1\n" },
    options: ["Port=2200"],
    extensions: null,
  });
  assert.deepEqual(resolved.values.port, [2200, 22, 2222]);
  const text = explainServerConfig(resolved, "port").text;
  assert.equal(
    text,
    'Port 2200 from -o "Port=2200"\nPort 22 from sshd_config line 1\nPort 2222 from sshd_config line 2',
  );
  assert.equal(explainServerConfig(resolved, "HostKey").text, "HostKey: sshd's default");
});
