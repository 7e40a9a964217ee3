import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isTsaliveError, LivenessError } from "@tsalive/core";
import { Client } from "ssh2";
import { attach, ClientTimeoutError, Ssh2CompatibilityError } from "./index.ts";

describe("attach() options", () => {
  const cases: [string, object, RegExp][] = [
    ["tcpKeepAlive", { tcpKeepAlive: "yes" }, /"tcpKeepAlive" must be a boolean, received "yes"/],
    ["emitError", { emitError: 1 }, /"emitError" must be a boolean, received 1/],
    ["connectTimeout", { connectTimeout: 0 }, /"connectTimeout" must be a number of milliseconds .* received 0/],
    ["connectTimeout", { connectTimeout: 2 ** 31 }, /"connectTimeout" .* received 2147483648/],
    ["host", { host: "" }, /"host" must be a non-empty string, received ""/],
    ["probe.interval", { probe: { interval: -1 } }, /"probe\.interval" .* received -1/],
    ["probe.countMax", { probe: { interval: 1000, countMax: 1.5 } }, /"probe\.countMax" .* received 1\.5/],
    ["heartbeat.interval", { heartbeat: { interval: Number.NaN } }, /"heartbeat\.interval" .* received NaN/],
  ];
  for (const [name, options, message] of cases) {
    it(`rejects a bad "${name}" with a RangeError naming it and the value`, () => {
      assert.throws(
        () => attach(new Client(), options),
        (error: unknown) => {
          return error instanceof RangeError && message.test(error.message);
        },
      );
    });
  }

  it("takes undefined for any option, as a mapping from a resolved ssh_config passes it through", () => {
    const options = {
      probe: undefined,
      heartbeat: undefined,
      tcpKeepAlive: undefined,
      connectTimeout: undefined,
      host: undefined,
      emitError: undefined,
    };
    attach(new Client(), options).detach();
  });

  it("refuses a second attach() until detach()", () => {
    const client = new Client();
    const first = attach(client);
    assert.throws(() => attach(client), /already attached/);
    first.detach();
    attach(client).detach();
  });

  it("leaves the client untouched after detach() without a connection", () => {
    const client = new Client();
    const handle = attach(client, { probe: { interval: 1000 } });
    assert.equal(Object.hasOwn(client, "connect"), true);
    handle.detach();
    handle.detach();
    assert.equal(Object.hasOwn(client, "connect"), false);
    assert.equal(handle.attached, false);
    assert.deepEqual(handle.stats(), {
      attached: false,
      connections: 0,
      timeouts: 0,
      answeredRequests: 0,
      unanswerableRequests: 0,
      monitor: undefined,
    });
  });

  it("names the missing ssh2 internal", () => {
    const client = new Client();
    delete (client as unknown as { _callbacks?: unknown })._callbacks;
    assert.throws(
      () => attach(client),
      (error: unknown) =>
        error instanceof Ssh2CompatibilityError &&
        error.code === "SSH2_INCOMPATIBLE" &&
        error.message ===
          "@tsalive/ssh2-client cannot attach: this ssh2 has no usable Client#_callbacks (tested with ssh2 1.17.0; supported range ^1.17.0)",
    );
  });
});

describe("ClientTimeoutError", () => {
  it("carries OpenSSH's messages, ssh2's level and the core cause", () => {
    const cause = new LivenessError("ALIVE_TIMEOUT", 4000, 3);
    const error = new ClientTimeoutError("ALIVE_TIMEOUT", "example.com", { cause });
    assert.equal(error.message, "Timeout, server example.com not responding.");
    assert.equal(error.level, "client-timeout");
    assert.equal(error.cause, cause);
    assert.equal(error.name, "ClientTimeoutError");
    assert.ok(isTsaliveError(error));
    assert.equal(
      new ClientTimeoutError("CONNECT_TIMEOUT", "example.com", { port: 2222, phase: "tcp" }).message,
      "ssh: connect to host example.com port 2222: Connection timed out",
    );
    assert.equal(
      new ClientTimeoutError("CONNECT_TIMEOUT", "example.com", { phase: "banner" }).message,
      "Connection timed out during banner exchange",
    );
  });
});
