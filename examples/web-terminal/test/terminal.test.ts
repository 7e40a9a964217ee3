/**
 * The web terminal in headless Chromium against the host's OpenSSH sshd, each leg through a fault proxy. Each test
 * checks the status line's text and saves a screenshot (see `SHOTS`).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { after, before, describe, it } from "node:test";
import { isRunning, type Sshd, startSshd, stopAll, waitUntil } from "@tsalive/test-support";
import { type Chromium, launchChromium, SKIP_WITHOUT_CHROMIUM } from "@tsalive/test-support/chromium";
import { startTsaliveSshd } from "../../server/test/_server.ts";
import {
  ask,
  BOUND,
  changedAt,
  EARLY,
  LATE,
  lastForwarded,
  openPage,
  outputOf,
  type Rig,
  screenOf,
  screenshot,
  sessionOf,
  startRig,
  statusOf,
  typeLine,
  waitForScreen,
  waitForStatus,
} from "./_rig.ts";

const SIZE = 50 * 1024 * 1024;
const UP = /^connected to \S+@127\.0\.0\.1 · browser leg up, rtt [\d.]+ ms · ssh leg up, rtt [\d.]+ ms$/;

let browser: Chromium;
before(async () => {
  if (SKIP_WITHOUT_CHROMIUM === false) browser = await launchChromium({ viewport: { width: 900, height: 420 } });
});
after(async () => {
  await browser?.close();
  await stopAll();
});

describe("web terminal in headless Chromium, against sshd", { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let sshd: Sshd;
  let rig: Rig | undefined;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await rig?.close();
    await sshd?.stop();
  });
  const rigFor = async (options?: Parameters<typeof startRig>[1]): Promise<Rig> => {
    const closing = performance.now();
    await rig?.close();
    // A rig that cannot close within 2 s would cost every test after it.
    assert.ok(performance.now() - closing < 2000, `the previous rig closed in ${performance.now() - closing} ms`);
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
    const before = terminal.sessions()[0]?.output.end ?? 0;
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
    await waitUntil(() => (terminal.sessions()[0]?.output.end ?? 0) >= before + "missed-42\r\n".length, {
      timeout: 5000,
      what: "the output while the page is away",
    });
    assert.equal(terminal.sessions()[0]?.state, "detached");
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

  it("a wrong, foreign or reused token is refused, and so is another origin", async (t) => {
    const { url, terminal } = await rigFor();
    const a = await openPage(browser.context, url);
    const b = await openPage(browser.context, url);
    const sa = await sessionOf(a);
    const sb = await sessionOf(b);
    assert.ok(sa !== undefined && sb !== undefined && sa.id !== sb.id);
    const refused = { reply: { t: "refused", reason: "token refused: wrong or already used" }, code: 4001 };
    assert.deepEqual(await ask(url, { t: "resume", session: sa.id, token: sb.token, seen: 0 }), refused, "foreign");
    assert.deepEqual(
      await ask(url, {
        t: "resume",
        session: sa.id,
        token: `${sa.token.slice(0, -1)}${sa.token.endsWith("A") ? "B" : "A"}`,
        seen: 0,
      }),
      refused,
      "wrong",
    );
    assert.deepEqual(await ask(url, { t: "resume", session: "nope", token: sa.token, seen: 0 }), {
      reply: { t: "refused", reason: "token refused: no such session" },
      code: 4001,
    });
    assert.deepEqual(await ask(url, { t: "open", cols: 80, rows: 24 }, "http://evil.example"), { status: 403 });
    // The first use is accepted (and takes the session over); a second use of the same token is refused.
    const first = await ask(url, { t: "resume", session: sa.id, token: sa.token, seen: 0 });
    assert.equal((first as { reply: { t: string } }).reply.t, "resumed");
    assert.deepEqual(await ask(url, { t: "resume", session: sa.id, token: sa.token, seen: 0 }), refused, "reused");
    // Page A, replaced, tries to reattach with the token it holds, already used: refused too.
    const status = await waitForStatus(a, /^session ended: /, 5000);
    assert.equal(status, "session ended: refused: token refused: wrong or already used");
    t.diagnostic(await screenshot(a, "token-refused"));
    assert.match(await waitForStatus(b, /^connected to /), /^connected to /, "page B is untouched");
    await a.close();
    await b.close();
    assert.ok(terminal.sessions().length <= 1);
  });

  it("the shell exits: the page says so in ssh's words", async (t) => {
    const { url, terminal } = await rigFor();
    const page = await openPage(browser.context, url);
    await typeLine(page, "exit");
    assert.equal(await waitForStatus(page, /^session ended: /, 5000), "session ended: Connection to 127.0.0.1 closed.");
    assert.equal(terminal.sessions().length, 0);
    t.diagnostic(await screenshot(page, "shell-exited"));
    await page.close();
  });

  it("closing the tab ends its session at once", async () => {
    const { url, terminal } = await rigFor();
    const page = await openPage(browser.context, url);
    assert.equal(sshd.connectionPids().length, 1);
    await page.close({ runBeforeUnload: true });
    await waitUntil(() => terminal.sessions().length === 0, { timeout: 1000, what: "the session to end" });
    await waitUntil(() => sshd.connectionPids().length === 0, { timeout: 3000, what: "sshd's session to go" });
  });

  it("cat of 50 MB: the page stays usable and neither leg is called dead", async (t) => {
    const { url, terminal } = await rigFor();
    const file = sshd.dir.join("50mb.txt");
    const line = `${"0123456789abcdef".repeat(4)}\n`;
    writeFileSync(file, line.repeat(Math.ceil(SIZE / line.length)));
    const page = await openPage(browser.context, url);
    await typeLine(page, `cat ${file}; echo done-$((3 * 3))`);
    const started = performance.now();
    const seen = new Set<string>();
    let slowest = 0;
    for (;;) {
      const asked = performance.now();
      const status = await statusOf(page);
      slowest = Math.max(slowest, performance.now() - asked);
      seen.add(status.replace(/[\d.]+ ms/g, "N ms"));
      assert.match(status, /^connected to /, "no leg is called dead during the output");
      assert.equal(terminal.sessions()[0]?.state, "attached");
      if (/^done-9$/m.test(await screenOf(page))) break;
      assert.ok(performance.now() - started < 90_000, "the output ends within 90 s");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    const { received } = await outputOf(page);
    t.diagnostic(
      `${(received / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s; slowest status read ${slowest.toFixed(0)} ms; ${[...seen].join(" | ")}`,
    );
    assert.ok(received > SIZE, "every byte reached the page");
    assert.ok(slowest < 2000, "the page answered within 2 s throughout");
    await typeLine(page, "echo after-$((5 * 5))");
    await waitForScreen(page, /^after-25$/m);
    t.diagnostic(await screenshot(page, "cat-50mb"));
    await page.close();
  });
});

describe("web terminal in headless Chromium, against tsalive-sshd", { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let rig: Rig | undefined;
  after(async () => {
    await rig?.close();
  });

  it("the grace period runs out: the session's processes go with it, nohup'd ones too", async (t) => {
    const server = await startTsaliveSshd();
    const grace = 3000;
    rig = await startRig(
      {
        port: server.port,
        user: userInfo().username,
        clientKey: server.clientKey,
        hostKey: { publicKey: readFileSync(server.dir.join("host_key.pub"), "utf8").trim() },
      },
      { grace },
    );
    const { url, wsProxy, terminal } = rig;
    const page = await openPage(browser.context, url);
    await typeLine(page, "nohup sleep 600 >/dev/null 2>&1 & echo pid-$!");
    await waitForScreen(page, /^pid-\d+$/m);
    const pid = Number(/^pid-(\d+)$/m.exec(await screenOf(page))?.[1]);
    assert.ok(isRunning(pid));
    wsProxy.set("both", { mode: "blackhole" });
    await waitUntil(() => terminal.sessions().length === 0, {
      timeout: BOUND + LATE + grace + 2000,
      what: "the grace period to end the session",
    });
    await waitUntil(() => !isRunning(pid), { timeout: 5000, what: "the nohup'd sleep to go" });
    await server.waitForLog(/Disconnected from user \S+ 127\.0\.0\.1 port \d+/, 5000);
    const status = await waitForStatus(page, /^session ended: /, 5000);
    assert.equal(status, `session ended: the browser leg was down longer than the grace period (${grace / 1000} s)`);
    t.diagnostic(await screenshot(page, "grace-expired-tsalive-sshd"));
    wsProxy.set("both", { mode: "pass" });
    await page.close();
  });
});
