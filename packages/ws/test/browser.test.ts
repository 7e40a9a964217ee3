/**
 * The browser entry in real headless Chromium (Debian's package, driven by playwright-core), against `ws`
 * servers in child processes over loopback (integration: real time). Each end probes with interval 300 ms, countMax 2: dead at
 * 900 ms after its last inbound message, from its own log, never early and at most 25 ms late.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { stopAll, waitUntil } from "@tsalive/test-support";
import { type Browser, HAVE_CHROMIUM, launchBrowser, pageLog } from "./_browser.ts";
import { assertBound, logOf, spawnPeer, waitForLog } from "./_harness.ts";

const PROBE = { interval: 300, countMax: 2 };
const BOUND = 900;
const skip = !HAVE_CHROMIUM && process.env.CI !== "true" ? "no /usr/bin/chromium (scripts/ensure-peers.sh)" : false;

describe("browser entry in headless Chromium", { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stopAll();
  });

  it("the page closes its socket at the bound after the server process is frozen", async (t) => {
    const server = spawnPeer({ role: "server", options: {} });
    const ready = await server.waitForOutput(/"event":"ready","at":[\d.]+,"port":(\d+)/);
    const page = await browser.open(`ws://127.0.0.1:${ready[1]}`, { probe: PROBE });
    try {
      await new Promise((resolve) => setTimeout(resolve, 700)); // a few pings answered by the server first
      assert.ok(
        (await pageLog(page)).some((entry) => entry.kind === '{"tsalive":"pong"}'),
        "the server answers",
      );
      server.freeze();
      await waitUntil(async () => (await pageLog(page)).some((entry) => entry.event === "timeout"), {
        timeout: 5000,
        what: "the page's timeout",
      });
      const log = await pageLog(page);
      t.diagnostic(`page late by ${assertBound(log, BOUND, "page").toFixed(2)} ms`);
      assert.equal(log.find((entry) => entry.event === "timeout")?.code, "ALIVE_TIMEOUT");
    } finally {
      server.thaw();
      await page.close();
      await server.stop();
    }
  });

  it("the server terminates a page frozen by the debugger at the bound, probing with messages", async (t) => {
    // The server runs in its own process, away from the CDP traffic this process handles for playwright.
    const server = spawnPeer({ role: "server", options: { probe: PROBE, probeWith: "message" } });
    const ready = await server.waitForOutput(/"event":"ready","at":[\d.]+,"port":(\d+)/);
    const page = await browser.open(`ws://127.0.0.1:${ready[1]}`, { probe: PROBE });
    const cdp = await page.context().newCDPSession(page);
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await cdp.send("Debugger.enable");
      // Pauses at the next statement the page runs: the handler of the server's next ping, or its own timer.
      await cdp.send("Debugger.pause");
      await waitForLog(
        () => logOf(server),
        (entry) => entry.event === "timeout",
        "the server's timeout",
        5000,
      );
      t.diagnostic(`server late by ${assertBound(logOf(server), BOUND, "server").toFixed(2)} ms`);
      assert.equal(logOf(server).find((entry) => entry.event === "timeout")?.code, "ALIVE_TIMEOUT");
    } finally {
      await cdp.send("Debugger.resume").catch(() => {});
      await page.close();
      await server.stop();
    }
  });

  it("ping frames cannot see that freeze: Chromium's network stack answers them for the paused page", async () => {
    const server = spawnPeer({ role: "server", options: { probe: PROBE } });
    const ready = await server.waitForOutput(/"event":"ready","at":[\d.]+,"port":(\d+)/);
    const page = await browser.open(`ws://127.0.0.1:${ready[1]}`, {});
    const cdp = await page.context().newCDPSession(page);
    try {
      await cdp.send("Debugger.enable");
      await cdp.send("Debugger.pause");
      await new Promise((resolve) => setTimeout(resolve, 3 * BOUND));
      const log = logOf(server);
      assert.ok(!log.some((entry) => entry.event === "timeout"), "ping frames were answered while paused");
      assert.ok(log.filter((entry) => entry.kind === "pong").length >= 3);
    } finally {
      await cdp.send("Debugger.resume").catch(() => {});
      await page.close();
      await server.stop();
    }
  });
});
