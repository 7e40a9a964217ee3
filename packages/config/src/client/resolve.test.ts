import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../errors.ts";
import { memoryFileSystem } from "../fs.ts";
import { resolveClientConfig } from "./config.ts";
import { explainClientConfig } from "./explain.ts";
import type { ResolveClientOptions } from "./resolve.ts";

const base = { host: "web", localUser: "me", home: "/home/me" } as const;

function resolve(files: Record<string, string>, extra: Partial<ResolveClientOptions> = {}) {
  return resolveClientConfig({ ...base, fs: memoryFileSystem(files), ...extra });
}

test("defaults: nothing configured gives OpenSSH's defaults, each from 'default'", () => {
  const { values, sources } = resolve({}, { openssh: "9.2" });
  assert.deepEqual(values, {
    host: "web",
    hostName: "web",
    user: "me",
    port: 22,
    serverAliveInterval: 0,
    serverAliveCountMax: 3,
    tcpKeepAlive: true,
    identityFile: [
      "~/.ssh/id_rsa",
      "~/.ssh/id_ecdsa",
      "~/.ssh/id_ecdsa_sk",
      "~/.ssh/id_ed25519",
      "~/.ssh/id_ed25519_sk",
      "~/.ssh/id_xmss",
      "~/.ssh/id_dsa",
    ],
    heartbeat: 0,
  });
  assert.deepEqual(sources.serverAliveInterval, { kind: "default" });
  assert.deepEqual(sources.hostName, { kind: "argument", name: "destination" });
});

test("-o, then the user file, then the system file: the first value wins", () => {
  const resolved = resolve(
    {
      "/home/me/.ssh/config": "ServerAliveInterval 15\nPort 2222\n",
      "/etc/ssh/ssh_config": "ServerAliveInterval 60\nPort 3333\nServerAliveCountMax 9\nUser sys\n",
    },
    { options: ["Port=1111"] },
  );
  assert.equal(resolved.values.port, 1111);
  assert.equal(resolved.values.serverAliveInterval, 15);
  assert.equal(resolved.values.serverAliveCountMax, 9);
  assert.equal(resolved.values.user, "sys");
  assert.deepEqual(resolved.sources.port, { kind: "option", index: 0, text: "Port=1111" });
  assert.deepEqual(resolved.sources.serverAliveInterval, { kind: "file", file: "/home/me/.ssh/config", line: 1 });
  assert.deepEqual(resolved.sources.serverAliveCountMax, { kind: "file", file: "/etc/ssh/ssh_config", line: 3 });
  assert.deepEqual(resolved.resolution.files, ["/home/me/.ssh/config", "/etc/ssh/ssh_config"]);
});

test("text instead of files, and -F none", () => {
  const text = { text: "Host web\n  User fromtext\n", file: "inline" };
  assert.equal(resolve({}, { configFile: text }).values.user, "fromtext");
  assert.equal(resolve({}, { userConfig: text, systemConfig: null }).values.user, "fromtext");
  assert.equal(resolve({ "/home/me/.ssh/config": "User x\n" }, { configFile: "none" }).values.user, "me");
  assert.throws(
    () => resolve({}, { configFile: "/nope" }),
    (e: unknown) => e instanceof ConfigError && e.code === "CONFIG_READ_FAILED",
  );
});

test("explain: the winning line, and the lines that lost", () => {
  const resolved = resolve({
    "/home/me/.ssh/config":
      "Host web\n  ServerAliveInterval none\n  ServerAliveInterval 15\nHost *\n  ServerAliveInterval 60\n",
  });
  const why = explainClientConfig(resolved, "ServerAliveInterval");
  assert.equal(why.value, "15");
  assert.deepEqual(why.source, { kind: "file", file: "/home/me/.ssh/config", line: 3 });
  assert.deepEqual(
    why.ignored.map((i) => [i.assignment.source, i.reason]),
    [
      [{ kind: "file", file: "/home/me/.ssh/config", line: 2 }, "none leaves it unset, so a later value still applies"],
      [{ kind: "file", file: "/home/me/.ssh/config", line: 5 }, "the first value wins"],
    ],
  );
  assert.match(why.text, /^ServerAliveInterval 15 from \/home\/me\/.ssh\/config line 3\n/);
  assert.equal(explainClientConfig(resolved, "Port").value, undefined);
  assert.match(explainClientConfig(resolved, "Port").text, /not set/);
  assert.match(explainClientConfig(resolved, "IdentityFile").text, /~\/.ssh\/id_rsa from default/);
});

test("untyped keywords stay available as written", () => {
  const resolved = resolve({
    "/home/me/.ssh/config":
      "ControlPersist 10m\nLocalForward 8080 localhost:80\nLocalForward 8081 localhost:81\nProxyCommand nc %h %p # x\n",
  });
  const settings = resolved.resolution.settings;
  assert.deepEqual(settings.get("controlpersist")?.assignments[0]?.args, ["10m"]);
  assert.equal(settings.get("localforward")?.assignments.length, 2);
  assert.equal(explainClientConfig(resolved, "proxycommand").value, "nc %h %p # x");
});

test("Match exec is refused without an exec runner, and runs the expanded command with one", () => {
  const files = { "/home/me/.ssh/config": 'Match exec "test %h = web"\n  Port 2222\n' };
  assert.throws(
    () => resolve(files),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === "CONFIG_EXEC_DENIED" &&
      e.line === 1 &&
      e.file === "/home/me/.ssh/config" &&
      /test web = web/.test(e.message),
  );
  const commands: string[] = [];
  const ran = resolve(files, {
    exec: (command) => {
      commands.push(command);
      return true;
    },
  });
  assert.equal(ran.values.port, 2222);
  assert.deepEqual(commands, ["test web = web"]);
  // An exec after a failed criterion is never run, so no runner is needed.
  assert.equal(resolve({ "/home/me/.ssh/config": "Match host db exec reboot\n  Port 1\n" }).values.port, 22);
});

test("Include: relative to ~/.ssh for the user file and /etc/ssh for the system file; ~ only in user files", () => {
  const resolved = resolve({
    "/home/me/.ssh/config": "Include extra.conf\n",
    "/home/me/.ssh/extra.conf": "User fromuserinclude\n",
    "/etc/ssh/ssh_config": "Include ssh_config.d/*.conf\n",
    "/etc/ssh/ssh_config.d/10.conf": "Port 2010\n",
  });
  assert.equal(resolved.values.user, "fromuserinclude");
  assert.equal(resolved.values.port, 2010);
  assert.throws(
    () => resolve({ "/etc/ssh/ssh_config": "Include ~/x\n" }),
    (e: unknown) => e instanceof ConfigError && /line 1: bad include path ~\/x\./.test(e.message),
  );
});

test("Include loops are a clear error naming the chain", () => {
  assert.throws(
    () =>
      resolve({
        "/home/me/.ssh/config": "Include a\n",
        "/home/me/.ssh/a": "Include b\n",
        "/home/me/.ssh/b": "Include a\n",
      }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === "CONFIG_INCLUDE_LOOP" &&
      e.message.includes("/home/me/.ssh/config -> /home/me/.ssh/a -> /home/me/.ssh/b -> /home/me/.ssh/a"),
  );
});

test("every bad line of a file is reported before failing", () => {
  assert.throws(
    () => resolve({ "/home/me/.ssh/config": "Port x\nUser ok\nServerAliveInterval 1y\nFoo bar\n" }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.errors.map((i) => [i.line, i.keyword]),
        [
          [1, "Port"],
          [3, "ServerAliveInterval"],
          [4, "Foo"],
        ],
      );
      assert.equal(e.errors[2]?.message, "/home/me/.ssh/config: line 4: Bad configuration option: foo");
      assert.match(e.message, /terminating, 3 bad configuration options$/);
      return true;
    },
  );
});

test("Heartbeat: read in place (noted once where ssh would reject it); strict refuses it as ssh does", () => {
  const listed = resolve({ "/home/me/.ssh/config": "IgnoreUnknown Heartbeat\nHeartbeat 1m\n" });
  assert.equal(listed.values.heartbeat, 60);
  assert.deepEqual(listed.sources.heartbeat, { kind: "file", file: "/home/me/.ssh/config", line: 2 });
  assert.deepEqual(listed.resolution.extensionNotes, []);
  const inPlace = resolve({ "/home/me/.ssh/config": "Heartbeat 5\n" });
  assert.equal(inPlace.values.heartbeat, 5);
  assert.equal(inPlace.resolution.extensionNotes.length, 1);
  assert.match(inPlace.resolution.extensionNotes[0]?.message ?? "", /put "IgnoreUnknown Heartbeat" before it/);
  assert.throws(
    () => resolve({ "/home/me/.ssh/config": "Heartbeat 30\n" }, { strict: true }),
    /Bad configuration option: heartbeat/,
  );
  assert.throws(
    () => resolve({ "/home/me/.ssh/config": "Heartbeat 30\n" }, { extensionKeywords: "ignore-unknown" }),
    /Bad configuration option: heartbeat/,
  );
  const always = resolve({ "/home/me/.ssh/config": "Heartbeat 30\n" }, { extensionKeywords: "always" });
  assert.equal(always.values.heartbeat, 30);
  assert.throws(
    () => resolve({ "/home/me/.ssh/config": "IgnoreUnknown Heartbeat\nHeartbeat soon\n" }),
    /line 2: invalid time value\./,
  );
});

test("identity files from -i come first; the same path in the system file is kept (ssh de-duplicates per origin)", () => {
  const resolved = resolve(
    {
      "/home/me/.ssh/config": "IdentityFile ~/.ssh/a\nIdentityFile ~/.ssh/a\n",
      "/etc/ssh/ssh_config": "IdentityFile ~/.ssh/a\n",
    },
    { identityFiles: ["~/.ssh/cli"] },
  );
  assert.deepEqual(resolved.values.identityFile, ["~/.ssh/cli", "~/.ssh/a", "~/.ssh/a"]);
  assert.deepEqual(resolved.sources.identityFile[0], { kind: "argument", name: "identityFile" });
});

test("destination forms: user@host and ssh://user@host:port", () => {
  const uri = resolve({}, { host: "ssh://bob@db.example:2200" });
  assert.deepEqual([uri.values.user, uri.values.hostName, uri.values.port], ["bob", "db.example", 2200]);
  const at = resolve({ "/home/me/.ssh/config": "Host db\n  User cfg\n" }, { host: "alice@db", user: "cli" });
  assert.equal(at.values.user, "cli");
});

test("Port takes TCP service names from /etc/services, as getservbyname does", () => {
  const services = "# comment\nssh\t\t22/tcp\nexec\t\t512/tcp\nbiff\t\t512/udp\tcomsat\nwww\t80/tcp http # alias\n";
  const port = (value: string, files: Record<string, string>) =>
    resolve({ ...files, "/home/me/.ssh/config": `Port ${value}\n` }).values.port;
  assert.equal(port("exec", { "/etc/services": services }), 512);
  assert.equal(port("http", { "/etc/services": services }), 80);
  assert.throws(() => port("comsat", { "/etc/services": services }), /Bad port 'comsat'\./);
  assert.throws(() => port("exec", {}), /Bad port 'exec'\./);
  assert.equal(port("ssh", {}), 22);
});

test("the user config and included files must not be writable by others or owned by someone else", () => {
  const files = memoryFileSystem({ "/home/me/.ssh/config": "Include x\n", "/home/me/.ssh/x": "Port 1\n" });
  const withModes = (modes: Record<string, { uid: number; mode: number }>) => ({
    ...files,
    stat: (p: string) => modes[p],
  });
  const ok = { uid: 1000, mode: 0o100644 };
  const fs = withModes({ "/home/me/.ssh/config": ok, "/home/me/.ssh/x": { uid: 1000, mode: 0o100664 } });
  assert.throws(
    () => resolveClientConfig({ ...base, uid: 1000, fs }),
    (e: unknown) => e instanceof ConfigError && e.code === "CONFIG_BAD_PERMISSIONS" && e.file === "/home/me/.ssh/x",
  );
  const other = withModes({ "/home/me/.ssh/config": { uid: 1001, mode: 0o100600 }, "/home/me/.ssh/x": ok });
  assert.throws(
    () => resolveClientConfig({ ...base, uid: 1000, fs: other }),
    /Bad owner or permissions on \/home\/me\/.ssh\/config/,
  );
  const root = withModes({ "/home/me/.ssh/config": { uid: 0, mode: 0o100600 }, "/home/me/.ssh/x": ok });
  assert.equal(resolveClientConfig({ ...base, uid: 1000, fs: root }).values.port, 1);
});

test("a file that exists but cannot be read is a CONFIG_READ_FAILED with the cause", () => {
  const fs = {
    readFile: (path: string) => {
      if (path === "/home/me/.ssh/config") throw new Error("EACCES: permission denied");
      return undefined;
    },
    readDir: () => undefined,
  };
  assert.throws(
    () => resolveClientConfig({ ...base, fs }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === "CONFIG_READ_FAILED" &&
      e.message === "Can't open user config file /home/me/.ssh/config: EACCES: permission denied" &&
      e.cause instanceof Error,
  );
});
