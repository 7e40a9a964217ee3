/**
 * Real `ws` sockets over loopback through the fault proxy (integration: real time, real TCP). The server runs
 * in this process, the client in a child process so that it can be frozen. Each end probes with
 * `interval` 300 ms and `countMax` 2: dead at exactly 900 ms after its last inbound frame, checked from each
 * end's own log of inbound frames, never early and at most 25 ms late; then the reply-timeout mode, and the
 * watchdog fed by the other end's heartbeats.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { stopAll } from "@tsalive/test-support";
import type { WsOptions } from "../src/index.ts";
import { assertBound, connectPair, logOf, waitForLog } from "./_harness.ts";

after(stopAll);

const OPTIONS: WsOptions = { probe: { interval: 300, countMax: 2 } };
const BOUND = 900;

/** Lets a few probe rounds pass first, so each end has heard the other recently and probes have flowed. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 700));

describe("ws through the fault proxy", () => {
  it("freeze: the server terminates a SIGSTOPped client at the bound", async (t) => {
    const pair = await connectPair(OPTIONS, OPTIONS);
    try {
      await settle();
      pair.client.freeze();
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "timeout",
        "the server's timeout",
        5000,
      );
      t.diagnostic(`server late by ${assertBound(pair.server.log, BOUND, "server").toFixed(2)} ms`);
      assert.equal(pair.server.liveness.error?.code, "ALIVE_TIMEOUT");
      assert.equal(pair.server.liveness.error?.unansweredProbes, 2);
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "close",
        "the server's close",
        1000,
      );
    } finally {
      pair.client.thaw();
      await pair.close();
    }
  });

  it("two-way blackhole: both ends time out at their bound", async (t) => {
    const pair = await connectPair(OPTIONS, OPTIONS);
    try {
      await settle();
      pair.proxy.set("both", { mode: "blackhole" });
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "timeout",
        "the server's timeout",
        5000,
      );
      await waitForLog(
        () => logOf(pair.client),
        (entry) => entry.event === "timeout",
        "the client's timeout",
        5000,
      );
      t.diagnostic(`server late by ${assertBound(pair.server.log, BOUND, "server").toFixed(2)} ms`);
      t.diagnostic(`client late by ${assertBound(logOf(pair.client), BOUND, "client").toFixed(2)} ms`);
    } finally {
      await pair.close();
    }
  });

  it("one-way blackhole up: the server times out at the bound; the client, still hearing it, sees the close", async (t) => {
    const pair = await connectPair(OPTIONS, OPTIONS);
    try {
      await settle();
      pair.proxy.set("up", { mode: "blackhole" });
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "timeout",
        "the server's timeout",
        5000,
      );
      t.diagnostic(`server late by ${assertBound(pair.server.log, BOUND, "server").toFixed(2)} ms`);
      await waitForLog(
        () => logOf(pair.client),
        (entry) => entry.event === "close",
        "the client's close",
        5000,
      );
      assert.ok(!logOf(pair.client).some((entry) => entry.event === "timeout"), "the client must not time out");
    } finally {
      await pair.close();
    }
  });

  it("one-way blackhole down: the client times out at the bound; the server, still hearing it, sees the close", async (t) => {
    const pair = await connectPair(OPTIONS, OPTIONS);
    try {
      await settle();
      pair.proxy.set("down", { mode: "blackhole" });
      await waitForLog(
        () => logOf(pair.client),
        (entry) => entry.event === "timeout",
        "the client's timeout",
        5000,
      );
      t.diagnostic(`client late by ${assertBound(logOf(pair.client), BOUND, "client").toFixed(2)} ms`);
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "close",
        "the server's close",
        5000,
      );
      assert.ok(!pair.server.log.some((entry) => entry.event === "timeout"), "the server must not time out");
    } finally {
      await pair.close();
    }
  });

  it("RST: both ends see the close at once; neither reports a timeout and both monitors stop", async () => {
    const pair = await connectPair(OPTIONS, OPTIONS);
    try {
      await settle();
      const resetAt = performance.timeOrigin + performance.now();
      pair.proxy.reset();
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "close",
        "the server's close",
        2000,
      );
      await waitForLog(
        () => logOf(pair.client),
        (entry) => entry.event === "close",
        "the client's close",
        2000,
      );
      for (const log of [pair.server.log, logOf(pair.client)]) {
        const close = log.find((entry) => entry.event === "close");
        assert.ok(close !== undefined && close.at - resetAt < BOUND, "the close comes from the RST, not a timeout");
        assert.ok(!log.some((entry) => entry.event === "timeout"));
      }
      assert.equal(pair.server.liveness.stats().monitor?.state, "stopped");
    } finally {
      await pair.close();
    }
  });

  it("throttled bulk transfer: one 96 KiB frame takes 3 bounds to arrive at 32 KiB/s, and nobody dies", async () => {
    // The client only receives, so it heartbeats: its unsolicited pongs are what the server hears meanwhile,
    // since the server's own pings wait behind the data. The client hears each chunk of the frame as it comes.
    const clientOptions: WsOptions = { ...OPTIONS, heartbeat: { interval: 150 } };
    const pair = await connectPair(OPTIONS, clientOptions);
    try {
      await settle();
      pair.proxy.set("down", { mode: "throttle", bytesPerSecond: 32 * 1024 });
      const startedAt = performance.timeOrigin + performance.now();
      pair.server.socket.send(Buffer.alloc(96 * 1024), { binary: true });
      const isBulk = (entry: { event: string; bytes?: number }) => entry.event === "frame" && entry.bytes === 96 * 1024;
      await waitForLog(() => logOf(pair.client), isBulk, "the bulk frame", 10_000);
      const arrival = logOf(pair.client).find(isBulk);
      assert.ok(arrival !== undefined && arrival.at - startedAt > 2 * BOUND, "the frame took longer than the bound");
      for (const log of [pair.server.log, logOf(pair.client)]) {
        assert.ok(!log.some((entry) => entry.event === "timeout" || entry.event === "close"), JSON.stringify(log));
      }
      assert.equal(pair.server.liveness.stats().monitor?.state, "running");
    } finally {
      await pair.close();
    }
  });

  it("reply-timeout mode: a frozen client is terminated at last inbound + interval + replyTimeout", async (t) => {
    const pair = await connectPair({ probe: { interval: 300, replyTimeout: 200 } }, OPTIONS);
    try {
      await settle();
      pair.client.freeze();
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "timeout",
        "the server's timeout",
        5000,
      );
      t.diagnostic(`server late by ${assertBound(pair.server.log, 500, "server").toFixed(2)} ms`);
      assert.equal(pair.server.liveness.error?.code, "REPLY_TIMEOUT");
    } finally {
      pair.client.thaw();
      await pair.close();
    }
  });

  it("watchdog and heartbeat: the client's unsolicited pongs keep a watchdog server quiet until it freezes", async (t) => {
    const pair = await connectPair({ watchdog: { timeout: 600 } }, { heartbeat: { interval: 200 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500)); // more than two watchdog timeouts of heartbeats
      assert.ok(!pair.server.log.some((entry) => entry.event === "timeout"), "heartbeats kept the watchdog quiet");
      assert.ok(pair.server.log.filter((entry) => entry.kind === "pong").length >= 4, "heartbeats arrived as pongs");
      assert.equal(pair.server.liveness.stats().monitor?.probesSent, 0);
      pair.client.freeze();
      await waitForLog(
        () => pair.server.log,
        (entry) => entry.event === "timeout",
        "the server's timeout",
        5000,
      );
      t.diagnostic(`server late by ${assertBound(pair.server.log, 600, "server").toFixed(2)} ms`);
      assert.equal(pair.server.liveness.error?.code, "WATCHDOG_EXPIRED");
    } finally {
      pair.client.thaw();
      await pair.close();
    }
  });
});
