import assert from "node:assert/strict";
import { test } from "node:test";
import { LivenessMonitor } from "@tsalive/core";
import { TestClock } from "@tsalive/core/testing";
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
    { ...serverMonitorOptions({ ...values, clientAliveCountMax: 2 }), clock, timers: clock },
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
