import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryFileSystem } from "../fs.ts";
import { OPENSSH_VERSIONS } from "../openssh_version.ts";
import { resolveClientConfig } from "./config.ts";
import { formatClientConfig } from "./print.ts";

const read = (text: string, openssh: (typeof OPENSSH_VERSIONS)[number]) =>
  resolveClientConfig({
    host: "h",
    localUser: "me",
    home: "/home/me",
    openssh,
    fs: memoryFileSystem({}),
    configFile: { text, file: "config" },
  });

test("an empty configuration prints as many lines as each release's ssh -G (measured: 85, 86, 82)", () => {
  const counts = OPENSSH_VERSIONS.map((v) => formatClientConfig(read("", v)).trimEnd().split("\n").length);
  assert.deepEqual(counts, [85, 86, 82]);
});

test("the first four lines are host, user, hostname, port; times print in seconds", () => {
  const text = formatClientConfig(read("Host h\n  User u\n  Port 2222\n  ServerAliveInterval 1m\n", "10.6"));
  assert.deepEqual(text.split("\n").slice(0, 4), ["host h", "user u", "hostname h", "port 2222"]);
  assert.ok(text.includes("\nserveraliveinterval 60\n"));
});

test("heartbeat follows OpenSSH's last line when set, unless extensions are off", () => {
  const resolution = read("Heartbeat 5\n", "10.6");
  const lines = formatClientConfig(resolution).trimEnd().split("\n");
  assert.equal(lines.at(-1), "heartbeat 5");
  assert.equal(lines.at(-2), "syslogfacility USER");
  assert.ok(!formatClientConfig(resolution, { extensions: false }).includes("heartbeat"));
  assert.ok(!formatClientConfig(read("", "10.6")).includes("heartbeat"));
});

test("release formats: 10.6 prints TCPKeepAlive as true/false and lower-cases canonicalizepermittedcnames", () => {
  const v92 = formatClientConfig(read("TCPKeepAlive no\n", "9.2"));
  const v106 = formatClientConfig(read("TCPKeepAlive no\n", "10.6"));
  assert.ok(v92.includes("\ntcpkeepalive no\n") && v92.includes("\ncanonicalizePermittedcnames none\n"));
  assert.ok(v106.includes("\ntcpkeepalive false\n") && v106.includes("\ncanonicalizepermittedcnames none\n"));
});
