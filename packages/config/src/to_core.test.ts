import assert from "node:assert/strict";
import { test } from "node:test";
import { LivenessMonitor, type MonitorOptions } from "@tsalive/core";
import { TestClock } from "@tsalive/core/testing";
import fc from "fast-check";
import { resolveClientConfig } from "./client/config.ts";
import { resolveServerConfig } from "./server/config.ts";
import { clientMonitorOptions, serverMonitorOptions, serverTimeouts } from "./to_core.ts";

test("client: ServerAlive becomes a probe that disconnects at C = 0; Heartbeat a heartbeat", () => {
  assert.deepEqual(clientMonitorOptions({ serverAliveInterval: 15, serverAliveCountMax: 3, heartbeat: 60 }), {
    probe: { interval: 15_000, countMax: 3, zeroCountMax: "disconnect" },
    heartbeat: { interval: 60_000 },
  });
  assert.deepEqual(clientMonitorOptions({ serverAliveInterval: 5, serverAliveCountMax: 0, heartbeat: 0 }), {
    probe: { interval: 5000, countMax: 0, zeroCountMax: "disconnect" },
  });
});

test("client: 0 means off, so nothing is monitored", () => {
  assert.deepEqual(clientMonitorOptions({ serverAliveInterval: 0, serverAliveCountMax: 3, heartbeat: 0 }), {});
});

test("server: ClientAlive never disconnects at C = 0; WatchdogTimeout and Heartbeat map through", () => {
  assert.deepEqual(
    serverMonitorOptions({ clientAliveInterval: 30, clientAliveCountMax: 0, heartbeat: 10, watchdogTimeout: 120 }),
    {
      probe: { interval: 30_000, countMax: 0, zeroCountMax: "never" },
      heartbeat: { interval: 10_000 },
      watchdog: { timeout: 120_000 },
    },
  );
  assert.deepEqual(
    serverMonitorOptions({ clientAliveInterval: 0, clientAliveCountMax: 3, heartbeat: 0, watchdogTimeout: 0 }),
    {},
  );
});

test("server timeouts: UnusedConnectionTimeout none is left out; first ChannelTimeout entry per type wins", () => {
  assert.deepEqual(
    serverTimeouts({
      unusedConnectionTimeout: 0,
      channelTimeout: [
        { type: "session:*", timeout: 120 },
        { type: "constructor", timeout: 1 },
        { type: "session:*", timeout: 5 },
      ],
      tcpKeepAlive: false,
    }),
    { channelTimeout: { "session:*": 120_000, constructor: 1000 }, tcpKeepAlive: false },
  );
  assert.deepEqual(serverTimeouts({ unusedConnectionTimeout: 300, channelTimeout: [], tcpKeepAlive: true }), {
    unusedConnectionTimeout: 300_000,
    channelTimeout: {},
    tcpKeepAlive: true,
  });
});

test("resolved configs drive a core monitor: ClientAlive 2 s × 2 expires at (2 + 1) × 2 s of silence", () => {
  const { values } = resolveServerConfig({
    config: { file: "sshd_config", text: "ClientAliveInterval 5\nMatch User ann\n  ClientAliveInterval 2\n" },
    extensions: { file: "tsalive_config", text: "Heartbeat 1\n" },
    connection: { user: "ann" },
  });
  const clock = new TestClock();
  const sent: string[] = [];
  const monitor = new LivenessMonitor(
    { sendProbe: () => sent.push("probe"), sendHeartbeat: () => sent.push("heartbeat") },
    { ...serverMonitorOptions({ ...values, clientAliveCountMax: 2 }), time: clock },
  );
  let expiredAt: number | undefined;
  monitor.on("expire", () => {
    expiredAt = clock.now();
  });
  monitor.start();
  clock.advance(10_000);
  assert.equal(expiredAt, 6000);
  assert.equal(sent.filter((s) => s === "probe").length, 2);
  monitor.stop();
});

test("a resolved client config maps as ssh reads it", () => {
  const { values } = resolveClientConfig({
    host: "web",
    localUser: "me",
    home: "/home/me",
    configFile: { file: "config", text: "Host web\n  ServerAliveInterval 15\n  ServerAliveCountMax 0\n" },
  });
  assert.deepEqual(clientMonitorOptions(values), {
    probe: { interval: 15_000, countMax: 0, zeroCountMax: "disconnect" },
  });
});

test("values that are not seconds throw a RangeError naming them, so the result always makes a monitor", () => {
  const client = (values: object) => () => clientMonitorOptions(values as never);
  const server = (values: object) => () => serverMonitorOptions(values as never);
  const off = { serverAliveInterval: 0, serverAliveCountMax: 3, heartbeat: 0 };
  assert.throws(
    client({ ...off, serverAliveInterval: -1 }),
    /^RangeError: Cannot map client config to monitor options: "serverAliveInterval" must be 0 \(off\) or a number of seconds from 0\.1 to 2147483, received -1$/,
  );
  assert.throws(client({ ...off, serverAliveInterval: Number.NaN }), /"serverAliveInterval" .* received NaN/);
  assert.throws(client({ ...off, serverAliveInterval: "15" }), /"serverAliveInterval" .* received "15"/);
  assert.throws(client({ ...off, serverAliveInterval: 0.01 }), /"serverAliveInterval" .* received 0\.01/);
  assert.throws(
    client({ ...off, serverAliveInterval: 15, serverAliveCountMax: 1.5 }),
    /"serverAliveCountMax" must be an integer .* received 1\.5/,
  );
  assert.throws(client({ ...off, heartbeat: 3_000_000 }), /"heartbeat" .* received 3000000/);
  assert.throws(
    server({ clientAliveInterval: 0, clientAliveCountMax: 3, heartbeat: 0, watchdogTimeout: -5 }),
    /^RangeError: Cannot map server config to monitor options: "watchdogTimeout" .* received -5$/,
  );
  assert.throws(() => clientMonitorOptions(null as never), /the values must be an object, received null/);
  assert.throws(
    () =>
      serverTimeouts({ unusedConnectionTimeout: 0, channelTimeout: [{ type: "", timeout: 5 }], tcpKeepAlive: true }),
    /"channelTimeout\[0\]\.type" must be a non-empty string, received ""/,
  );
  assert.throws(
    () => serverTimeouts({ unusedConnectionTimeout: -1, channelTimeout: [], tcpKeepAlive: true }),
    /"unusedConnectionTimeout" .* received -1/,
  );
  assert.throws(
    () => serverTimeouts({ unusedConnectionTimeout: 0, channelTimeout: [], tcpKeepAlive: "yes" as never }),
    /"tcpKeepAlive" must be a boolean, received "yes"/,
  );
});

test("null and undefined are off, as 0 is", () => {
  assert.deepEqual(
    clientMonitorOptions({ serverAliveInterval: null, serverAliveCountMax: undefined, heartbeat: null }),
    {},
  );
  assert.deepEqual(clientMonitorOptions({ serverAliveInterval: 15, serverAliveCountMax: null, heartbeat: undefined }), {
    probe: { interval: 15_000, zeroCountMax: "disconnect" },
  });
});

test("any values map to options a monitor takes, or throw a RangeError", () => {
  const value = fc.oneof(
    fc.constantFrom(
      null,
      undefined,
      0,
      0.05,
      0.1,
      1,
      15,
      2147483,
      2147484,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "15",
      true,
    ),
    fc.integer({ min: -2, max: 100_000 }),
    fc.double(),
  );
  const check = (map: () => MonitorOptions) => {
    let options: MonitorOptions;
    try {
      options = map();
    } catch (error) {
      assert.ok(error instanceof RangeError, `not a RangeError: ${String(error)}`);
      return;
    }
    const time = new TestClock();
    const monitor = new LivenessMonitor({ sendProbe() {}, sendHeartbeat() {} }, { ...options, time });
    monitor.start();
    time.advance(1000);
    monitor.stop();
  };
  fc.assert(
    fc.property(value, value, value, value, (a, b, c, d) => {
      check(() => clientMonitorOptions({ serverAliveInterval: a, serverAliveCountMax: b, heartbeat: c } as never));
      check(() =>
        serverMonitorOptions({
          clientAliveInterval: a,
          clientAliveCountMax: b,
          heartbeat: c,
          watchdogTimeout: d,
        } as never),
      );
    }),
    { numRuns: 1000 },
  );
});
