import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientArguments } from "./argv.ts";
import { describeBindAddress, localBindAddresses } from "./bind_addresses.ts";
import { openFailureMessage, strerror } from "./channel_failure.ts";
import { expandProxyCommand } from "./proxy_command.ts";
import { remoteBindHost } from "./remote_forward.ts";
import { resolveSettings } from "./settings.ts";
import { parseDynamicForwardSpec, parseRemoteForwardSpec, parseStdioForwardSpec } from "./tunnel_spec.ts";

describe("tunnel flags", () => {
  it("reads -R, -D, -W and -g beside ssh's other flags", () => {
    const args = parseClientArguments(["-gN", "-R", "0:web:80", "-D1080", "-W", "db:5432", "h"]);
    assert.deepEqual(args.tunnels, {
      remoteForwards: [{ bindAddress: undefined, bindPort: 0, host: "web", hostPort: 80 }],
      dynamicForwards: [{ bindAddress: undefined, bindPort: 1080 }],
      stdioForward: { host: "db", port: 5432 },
      gatewayPorts: true,
    });
    assert.deepEqual(args.ignored, []);
  });
  it("refuses bad specifications with ssh's messages", () => {
    assert.throws(
      () => parseClientArguments(["-R", "nope", "h"]),
      /^UsageError: Bad remote forwarding specification 'nope'$/,
    );
    assert.throws(() => parseClientArguments(["-D", "1:2:3", "h"]), /Bad dynamic forwarding specification '1:2:3'/);
    assert.throws(() => parseClientArguments(["-W", "nope", "h"]), /Bad stdio forwarding specification 'nope'/);
    assert.throws(() => parseClientArguments(["-W", "a:1", "-W", "b:2", "h"]), /stdio forward already specified/);
  });
});

describe("forward specifications", () => {
  it("-R: [bind:]port:host:hostport, brackets for IPv6, a space for RemoteForward's second field", () => {
    assert.deepEqual(parseRemoteForwardSpec("*:8080:localhost:80"), {
      bindAddress: "*",
      bindPort: 8080,
      host: "localhost",
      hostPort: 80,
    });
    assert.deepEqual(parseRemoteForwardSpec("8080 [::1]:80"), {
      bindAddress: undefined,
      bindPort: 8080,
      host: "::1",
      hostPort: 80,
    });
    assert.equal(parseRemoteForwardSpec("8080"), undefined); // ssh's remote SOCKS form: not served
    assert.equal(parseRemoteForwardSpec("1:h:0"), undefined);
    assert.equal(parseRemoteForwardSpec("70000:h:1"), undefined);
  });
  it("-D: [bind:]port; -W: host:port", () => {
    assert.deepEqual(parseDynamicForwardSpec("127.0.0.1:1080"), { bindAddress: "127.0.0.1", bindPort: 1080 });
    assert.equal(parseDynamicForwardSpec("0"), undefined);
    assert.deepEqual(parseStdioForwardSpec("[2001:db8::1]:22"), { host: "2001:db8::1", port: 22 });
    assert.equal(parseStdioForwardSpec("22"), undefined);
  });
});

describe("where forwards listen", () => {
  it("local binds follow channel_fwd_bind_addr for the client", () => {
    const hosts = (bind: string | undefined, gateway: boolean) => localBindAddresses(bind, gateway).map((a) => a.host);
    assert.deepEqual(hosts(undefined, false), ["::1", "127.0.0.1"]);
    assert.deepEqual(hosts(undefined, true), ["0.0.0.0", "::"]);
    assert.deepEqual(hosts("*", false), ["0.0.0.0", "::"]);
    assert.deepEqual(hosts("", false), ["0.0.0.0", "::"]);
    assert.deepEqual(hosts("localhost", true), ["::1", "127.0.0.1"]);
    assert.deepEqual(hosts("127.0.0.2", true), ["127.0.0.2"]);
    assert.equal(localBindAddresses("*", false)[1]?.ipv6Only, true);
    assert.equal(describeBindAddress(undefined, false), "LOCALHOST");
    assert.equal(describeBindAddress(undefined, true), "*");
  });
  it("remote binds are sent as channel_rfwd_bind_host sends them", () => {
    assert.equal(remoteBindHost(undefined), "localhost");
    assert.equal(remoteBindHost("*"), "");
    assert.equal(remoteBindHost(""), "");
    assert.equal(remoteBindHost("127.0.0.1"), "127.0.0.1");
  });
});

describe("messages", () => {
  it("a refused channel in ssh's words, errno in strerror's", () => {
    const refused = Object.assign(new Error("(SSH) Channel open failure: open failed"), { reason: 1 });
    assert.equal(openFailureMessage(3, refused), "channel 3: open failed: administratively prohibited: open failed");
    const eaddrinuse = Object.assign(new Error("listen EADDRINUSE: address already in use"), { code: "EADDRINUSE" });
    assert.equal(strerror(eaddrinuse), "Address already in use");
  });
  it("ProxyCommand: exec before the command, %h %n %p %r and %% expanded, unknown tokens refused", () => {
    const tokens = { host: "10.0.0.2", original: "db", port: 2222, user: "me" };
    assert.deepEqual(expandProxyCommand("nc %h %p # %n %r 100%%", tokens), {
      value: "exec nc 10.0.0.2 2222 # db me 100%",
    });
    assert.deepEqual(expandProxyCommand("nc %z", tokens), { error: "percent_expand: unknown key %z" });
  });
});

describe("tunnel keywords", () => {
  it("RemoteForward, DynamicForward, GatewayPorts, ExitOnForwardFailure and ProxyCommand from the configuration", () => {
    const args = parseClientArguments([
      "-F",
      "none",
      "-R",
      "1:a:2",
      "-o",
      "RemoteForward=*:0 [::1]:80",
      "-o",
      "DynamicForward=1080",
      "-o",
      "GatewayPorts=yes",
      "-o",
      "ExitOnForwardFailure=yes",
      "-o",
      "ProxyCommand=nc %h %p",
      "-o",
      "ProxyJump=ignored.example",
      "h",
    ]);
    const { tunnels } = resolveSettings(args, { home: "/nonexistent" });
    assert.deepEqual(tunnels.remoteForwards, [
      { bindAddress: undefined, bindPort: 1, host: "a", hostPort: 2 },
      { bindAddress: "*", bindPort: 0, host: "::1", hostPort: 80 },
    ]);
    assert.deepEqual(tunnels.dynamicForwards, [{ bindAddress: undefined, bindPort: 1080 }]);
    assert.equal(tunnels.gatewayPorts, true);
    assert.equal(tunnels.exitOnForwardFailure, true);
    // The first of ProxyCommand and ProxyJump wins, as in ssh.
    assert.equal(tunnels.proxyCommand, "nc %h %p");
    const none = resolveSettings(parseClientArguments(["-F", "none", "-o", "ProxyCommand=none", "h"]), {});
    assert.equal(none.tunnels.proxyCommand, undefined);
  });
});
