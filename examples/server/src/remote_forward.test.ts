import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveServerConfig } from "@tsalive/config";
import { DEFAULT_KEY_OPTIONS, parseKeyOptions } from "./auth_options.ts";
import { accessPolicy } from "./policy.ts";
import { listenPermitted, remoteBindAddresses } from "./remote_forward.ts";

const policy = (text: string) =>
  accessPolicy(resolveServerConfig({ config: { file: "sshd_config", text }, extensions: null, groups: () => [] }));
const keyWith = (options: string) => {
  const parsed = parseKeyOptions(options);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed.options;
};

describe("remote forwarding policy", () => {
  it("AllowTcpForwarding, PermitListen (a bare port is *:port) and GatewayPorts as servconf.c reads them", () => {
    const defaults = policy("");
    assert.deepEqual(
      [defaults.allowRemoteForwarding, defaults.permitListen, defaults.gatewayPorts],
      [true, ["any"], "no"],
    );
    assert.equal(policy("AllowTcpForwarding local\n").allowRemoteForwarding, false);
    assert.equal(policy("AllowTcpForwarding remote\n").allowRemoteForwarding, true);
    assert.deepEqual(policy("PermitListen 8080 localhost:9090\n").permitListen, ["*:8080", "localhost:9090"]);
    assert.equal(policy("GatewayPorts clientspecified\n").gatewayPorts, "clientspecified");
  });
  it("the key's permitlisten= and PermitListen must both allow the listen host (a pattern) and port", () => {
    const any = policy("");
    assert.equal(listenPermitted(DEFAULT_KEY_OPTIONS, any, "localhost", 8080), true);
    assert.equal(listenPermitted(keyWith('permitlisten="8080"'), any, "localhost", 8080), true);
    assert.equal(listenPermitted(keyWith('permitlisten="8080"'), any, "localhost", 8081), false);
    assert.equal(listenPermitted(keyWith('permitlisten="local*:*"'), any, "LocalHost", 1), true);
    const listen = policy("PermitListen localhost:*\n");
    assert.equal(listenPermitted(DEFAULT_KEY_OPTIONS, listen, "localhost", 5), true);
    assert.equal(listenPermitted(DEFAULT_KEY_OPTIONS, listen, "127.0.0.1", 5), false);
    assert.equal(listenPermitted(DEFAULT_KEY_OPTIONS, policy("PermitListen none\n"), "localhost", 5), false);
    assert.equal(listenPermitted(keyWith('permitlisten="9"'), policy("PermitListen 9\n"), "", 9), true);
  });
  it("where it listens: channel_fwd_bind_addr on the server", async () => {
    const hosts = async (host: string, gateway: "no" | "yes" | "clientspecified") =>
      (await remoteBindAddresses(host, gateway)).map((a) => a.host);
    assert.deepEqual(await hosts("localhost", "no"), ["::1", "127.0.0.1"]);
    assert.deepEqual(await hosts("", "no"), ["::1", "127.0.0.1"]);
    assert.deepEqual(await hosts("127.0.0.1", "no"), ["127.0.0.1"]);
    assert.deepEqual(await hosts("127.0.0.1", "yes"), ["0.0.0.0", "::"]);
    assert.deepEqual(await hosts("", "clientspecified"), ["0.0.0.0", "::"]);
    assert.deepEqual(await hosts("localhost", "clientspecified"), ["::1", "127.0.0.1"]);
    assert.deepEqual(await hosts("127.0.0.2", "clientspecified"), ["127.0.0.2"]);
  });
});
