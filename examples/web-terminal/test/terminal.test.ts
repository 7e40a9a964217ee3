/**
 * The web terminal in headless Chromium against the host's OpenSSH sshd, each leg through a fault proxy. Each test
 * checks the status line's text and saves a screenshot (see `SHOTS`).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isRunning, type Sshd, startSshd, stopAll, waitUntil } from "@tsalive/test-support";
import { type Chromium, launchChromium, SKIP_WITHOUT_CHROMIUM } from "@tsalive/test-support/chromium";
import {
  BOUND,
  changedAt,
  EARLY,
  LATE,
  lastForwarded,
  openPage,
  type Rig,
  screenOf,
  screenshot,
  startRig,
  typeLine,
  waitForScreen,
  waitForStatus,
} from "./_rig.ts";

const UP = /^connected to \S+@127\.0\.0\.1 · browser leg up, rtt [\d.]+ ms · ssh leg up, rtt [\d.]+ ms$/;

describe("web terminal in headless Chromium, against sshd", { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let sshd: Sshd;
  let browser: Chromium;
  let rig: Rig | undefined;
  before(async () => {
    sshd = await startSshd();
    browser = await launchChromium({ viewport: { width: 900, height: 420 } });
  });
  after(async () => {
    await rig?.close();
    await browser?.close();
    await stopAll();
  });
  const rigFor = async (options?: Parameters<typeof startRig>[1]): Promise<Rig> => {
    await rig?.close();
    rig = await startRig(sshd, options);
    return rig;
  };

  it("runs a command and shows its output, with both legs' RTT in the status line", async (t) => {
    const { url } = await rigFor();
    const page = await openPage(browser.context, url);
    await typeLine(page, "echo hello-$((6 * 7))");
    await waitForScreen(page, /^hello-42$/m);
    // Both legs idle: each end probes after 1 s of silence, so both RTTs are known within a few seconds.
    const status = await waitForStatus(page, UP, 8000);
    t.diagnostic(status);
    t.diagnostic(await screenshot(page, "command"));
    await page.close();
  });

  it("blackholed browser leg: the page shows it at the bound, the server keeps the session, and the page reattaches with the missed output", async (t) => {
    const { url, wsProxy, terminal } = await rigFor();
    const page = await openPage(browser.context, url);
    await typeLine(page, "sleep 3; echo missed-$((40 + 2))");
    await waitForScreen(page, /sleep 3; echo missed/);
    wsProxy.set("both", { mode: "blackhole" });
    await waitForStatus(
      page,
      /^browser leg down \(WebSocket peer not responding: .*\) · reconnecting… (in \d+ s|now) · session kept by the server for \d+ s$/,
      5000,
    );
    const late = ((await changedAt(page, "reconnecting")) as number) - lastForwarded(wsProxy, "down") - BOUND;
    t.diagnostic(`page saw the browser leg down ${late.toFixed(1)} ms after its bound`);
    assert.ok(late >= -EARLY && late <= LATE, `page detection off its bound by ${late} ms`);
    await waitUntil(() => terminal.sessions()[0]?.state === "detached", {
      timeout: BOUND + LATE + 1000,
      what: "the server to detach the page",
    });
    assert.equal(sshd.connectionPids().length, 1, "the SSH session is kept");
    t.diagnostic(await screenshot(page, "browser-leg-down"));
    // The output comes while no page is attached; then the leg heals.
    await waitUntil(
      () => (terminal.sessions()[0]?.output.end ?? 0) > 0 && terminal.sessions()[0]?.state === "detached",
      { timeout: 5000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 3500));
    wsProxy.set("both", { mode: "pass" });
    await waitForScreen(page, /^missed-42$/m, 8000);
    const status = await waitForStatus(page, /^connected to /, 5000);
    assert.doesNotMatch(status, /dropped/);
    assert.equal(terminal.sessions()[0]?.state, "attached");
    assert.equal(sshd.connectionPids().length, 1);
    t.diagnostic(await screenshot(page, "browser-leg-reattached"));
    await page.close();
  });

  it("output beyond the replay buffer while the page is away: the page is told how much was dropped", async (t) => {
    const { url, wsProxy, terminal } = await rigFor({ replayBytes: 64 * 1024 });
    const page = await openPage(browser.context, url);
    await typeLine(
      page,
      "sleep 3; echo begin-$((1 + 1)); head -c 200000 /dev/zero | tr '\\0' x; echo; echo end-$((2 + 2))",
    );
    await waitForScreen(page, /sleep 3; echo begin/);
    wsProxy.set("both", { mode: "blackhole" });
    await waitUntil(() => terminal.sessions()[0]?.state === "detached", {
      timeout: BOUND + LATE + 1000,
      what: "the server to detach the page",
    });
    await waitUntil(() => (terminal.sessions()[0]?.output.end ?? 0) > 200_000, { timeout: 8000, what: "the output" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    wsProxy.set("both", { mode: "pass" });
    const status = await waitForStatus(page, /^connected to .* · \d+ bytes of output dropped while away$/, 8000);
    t.diagnostic(status);
    await waitForScreen(page, /^end-4$/m);
    const screen = await screenOf(page);
    assert.match(screen, /\[\d+ bytes of output were dropped while the page was away\]/);
    assert.doesNotMatch(screen, /^begin-2$/m, "the start of the output fell out of the buffer");
    t.diagnostic(await screenshot(page, "replay-overflow"));
    await page.close();
  });

  it("blackholed SSH leg: the page shows that leg's death at its bound, in OpenSSH's words", async (t) => {
    const { url, sshProxy, terminal } = await rigFor();
    const page = await openPage(browser.context, url);
    sshProxy.set("both", { mode: "blackhole" });
    const status = await waitForStatus(page, /^ssh leg down · session ended: /, 5000);
    assert.equal(status, "ssh leg down · session ended: Timeout, server 127.0.0.1 not responding.");
    const late = ((await changedAt(page, "ended")) as number) - lastForwarded(sshProxy, "down") - BOUND;
    t.diagnostic(`page told of the SSH leg's death ${late.toFixed(1)} ms after its bound`);
    assert.ok(late >= -EARLY && late <= LATE, `SSH leg detection off its bound by ${late} ms`);
    assert.equal(terminal.sessions().length, 0);
    t.diagnostic(await screenshot(page, "ssh-leg-down"));
    await page.close();
  });

  it("the grace period runs out: the SSH session and its processes are gone", async (t) => {
    const grace = 3000;
    const { url, wsProxy, terminal } = await rigFor({ grace });
    const page = await openPage(browser.context, url);
    await typeLine(page, "sleep 600 & echo pid-$!");
    await waitForScreen(page, /^pid-\d+$/m);
    const pid = Number(/^pid-(\d+)$/m.exec(await screenOf(page))?.[1]);
    assert.ok(isRunning(pid));
    wsProxy.set("both", { mode: "blackhole" });
    await waitUntil(() => terminal.sessions()[0]?.state === "detached", {
      timeout: BOUND + LATE + 1000,
      what: "the server to detach the page",
    });
    const detachedAt = performance.now();
    await waitUntil(() => terminal.sessions().length === 0, {
      timeout: grace + 1000,
      what: "the grace period to end the session",
    });
    t.diagnostic(
      `session closed ${(performance.now() - detachedAt).toFixed(0)} ms after the detach (grace ${grace} ms)`,
    );
    await waitUntil(() => sshd.connectionPids().length === 0 && !isRunning(pid), {
      timeout: 5000,
      what: "sshd's session and the remote sleep to go",
    });
    const status = await waitForStatus(page, /^session ended: /, 5000);
    assert.equal(status, `session ended: the browser leg was down longer than the grace period (${grace / 1000} s)`);
    t.diagnostic(await screenshot(page, "grace-expired"));
    wsProxy.set("both", { mode: "pass" });
    await page.close();
  });
});
