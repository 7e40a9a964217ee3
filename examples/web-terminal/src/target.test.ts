import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveTarget } from "./target.ts";

const dir = mkdtempSync(join(tmpdir(), "tsalive-web-terminal-target-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveTarget", () => {
  it("takes the host, user, port, key and ServerAlive settings from ssh_config", () => {
    const key = join(dir, "key");
    writeFileSync(key, "not really a key");
    const config = join(dir, "config");
    writeFileSync(
      config,
      `Host web\n  HostName 127.0.0.2\n  Port 2222\n  User me\n  IdentityFile ${key}\n  ServerAliveInterval 5\n`,
    );
    const target = resolveTarget({
      destination: "web",
      configFile: config,
      options: ["ServerAliveCountMax=2"],
      hostKey: "any",
    });
    assert.equal(target.hostName, "127.0.0.2");
    assert.equal(target.port, 2222);
    assert.equal(target.user, "me");
    assert.equal(target.privateKey.toString(), "not really a key");
    assert.deepEqual(target.liveness.probe, { interval: 5000, countMax: 2, zeroCountMax: "disconnect" });
  });

  it("refuses a ProxyJump rather than connecting directly", () => {
    const config = join(dir, "jump");
    writeFileSync(config, "Host web\n  ProxyJump bastion\n");
    assert.throws(() => resolveTarget({ destination: "web", configFile: config, hostKey: "any" }), {
      message: "ProxyJump is set for web and this example does not support it",
    });
  });
});
