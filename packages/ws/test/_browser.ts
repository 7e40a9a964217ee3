/**
 * Debian's Chromium (test-support's launcher, driven by playwright-core), and a local http server on 127.0.0.1 that serves a test page with the browser entry bundled by esbuild.
 */
import { createServer, type Server } from "node:http";
import { launchChromium } from "@tsalive/test-support/chromium";
import type { Page } from "playwright-core";
import type { LivenessOptions } from "../src/browser.ts";
import { bundleBrowserEntry } from "./_bundle.ts";
import type { LogEntry } from "./_watch.ts";

export { HAVE_CHROMIUM } from "@tsalive/test-support/chromium";

/**
 * The page: its own `message` listener, added before attach(), logs every inbound message with the page's clock
 * (the independent log); the handle's events go to the same log, read back with `window.tsaliveLog`.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>tsalive</title><script type="module">
import { attach } from "/browser.js";
const params = new URLSearchParams(location.search);
const log = [];
window.tsaliveLog = log;
const now = () => performance.timeOrigin + performance.now();
const socket = new WebSocket(params.get("ws"));
socket.addEventListener("message", (event) => log.push({ event: "frame", kind: String(event.data).slice(0, 20), at: now() }));
socket.addEventListener("open", () => log.push({ event: "open", at: now() }));
socket.addEventListener("close", (event) => log.push({ event: "close", code: event.code, at: now() }));
const liveness = attach(socket, JSON.parse(params.get("options")));
liveness.on("timeout", (error) => log.push({ event: "timeout", code: error.code, at: now() }));
liveness.on("probe", () => log.push({ event: "probe", at: now() }));
</script>`;

/** A launched Chromium with one page, and the http server the page comes from. */
export interface Browser {
  /** Opens the test page, connected to `wsUrl` with `options`, and waits until its socket is open. */
  open(wsUrl: string, options: LivenessOptions): Promise<Page>;
  close(): Promise<void>;
}

/** The page's log so far. */
export function pageLog(page: Page): Promise<LogEntry[]> {
  return page.evaluate(() => (globalThis as unknown as { tsaliveLog: LogEntry[] }).tsaliveLog);
}

/** Starts the http server and Chromium with a fresh profile directory. */
export async function launchBrowser(): Promise<Browser> {
  const bundle = await bundleBrowserEntry(false);
  const http: Server = createServer((request, response) => {
    if (request.url?.startsWith("/browser.js")) {
      response.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    } else {
      response.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    }
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  const origin = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  const chromium = await launchChromium().catch(async (error: unknown) => {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    throw error;
  });
  const context = chromium.context;
  return {
    async open(wsUrl, options) {
      const page = await context.newPage();
      const query = new URLSearchParams({ ws: wsUrl, options: JSON.stringify(options) });
      await page.goto(`${origin}/?${query}`);
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { tsaliveLog?: { event: string }[] }).tsaliveLog?.some((e) => e.event === "open"),
        undefined,
        { timeout: 10_000 },
      );
      return page;
    },
    async close() {
      await chromium.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
