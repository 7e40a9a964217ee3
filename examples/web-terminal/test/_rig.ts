/**
 * The whole chain on loopback, with a fault proxy on each leg: Chromium → proxy → web terminal → proxy → sshd.
 * Short intervals: the browser leg probes every 1 s with countMax 1 and the SSH leg has ServerAliveInterval 1,
 * ServerAliveCountMax 1, so each leg's bound is 2 s.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FaultProxy, freePort, startProxy, waitUntil } from "@tsalive/test-support";
import type { BrowserContext, Page } from "playwright-core";
import { WebSocket } from "ws";
import type { WebTerminalOptions } from "../src/options.ts";
import { startWebTerminal, type WebTerminal } from "../src/server.ts";
import { fingerprint } from "../src/ssh.ts";
import { resolveTarget } from "../src/target.ts";

/** Each leg's bound, ms: (countMax + 1) · interval. */
export const BOUND = 2000;
/** How late a detection may be seen, on a loaded 2-core machine (timer latency, polling through CDP). */
export const LATE = 400;
/** How early: the two ends' clocks are both wall clocks, read in different processes. */
export const EARLY = 10;

/** Where the tests' screenshots go (`TSALIVE_SCREENSHOTS` to choose; a temp dir by default). */
export const SHOTS: string = process.env.TSALIVE_SCREENSHOTS ?? join(tmpdir(), "tsalive-web-terminal-screenshots");

export interface Rig {
  readonly terminal: WebTerminal;
  /** Between the page and the web terminal. */
  readonly wsProxy: FaultProxy;
  /** Between the web terminal and sshd. */
  readonly sshProxy: FaultProxy;
  /** The page's address, through `wsProxy`. */
  readonly url: string;
  close(): Promise<void>;
}

/** `SHA256:…` of a public key line. */
export function publicKeyFingerprint(line: string): string {
  return fingerprint(Buffer.from(line.split(" ")[1] ?? "", "base64"));
}

/** The SSH server a rig goes to: test-support's sshd, or tsalive-sshd. */
export interface SshServer {
  readonly port: number;
  readonly user: string;
  readonly clientKey: { readonly privatePath: string };
  readonly hostKey: { readonly publicKey: string };
}

/** Starts both proxies and the web terminal in front of `sshd`. */
export async function startRig(
  sshd: SshServer,
  options: Partial<Omit<WebTerminalOptions, "target">> = {},
): Promise<Rig> {
  const sshProxy = await startProxy({ target: { port: sshd.port } });
  const port = await freePort();
  const wsProxy = await startProxy({ target: { port } });
  const target = resolveTarget({
    destination: `${sshd.user}@127.0.0.1`,
    configFile: "none",
    options: [`Port=${sshProxy.port}`, "ServerAliveInterval=1", "ServerAliveCountMax=1"],
    identityFiles: [sshd.clientKey.privatePath],
    hostKey: publicKeyFingerprint(sshd.hostKey.publicKey),
  });
  const terminal = await startWebTerminal({
    target,
    port,
    hosts: [`127.0.0.1:${wsProxy.port}`],
    grace: 20_000,
    browser: { interval: 1000, countMax: 1 },
    retry: 500,
    ...options,
  });
  return {
    terminal,
    wsProxy,
    sshProxy,
    url: `http://127.0.0.1:${wsProxy.port}/`,
    async close() {
      await wsProxy.close();
      await terminal.close();
      await sshProxy.close();
    },
  };
}

interface Hook {
  state(): { phase: string };
  session(): { id: string; token: string } | undefined;
  output(): { received: number; written: number };
  changes(): { phase: string; at: number }[];
  text(): string;
}
type Hooked = { tsaliveTerminal: Hook };

/** Opens the page and waits until its session is up. */
export async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await waitForStatus(page, /^connected to /, 10_000);
  return page;
}

export const statusOf = (page: Page): Promise<string> =>
  page
    .locator("#status")
    .textContent()
    .then((text) => text ?? "");
export const screenOf = (page: Page): Promise<string> =>
  page.evaluate(() => (globalThis as unknown as Hooked).tsaliveTerminal.text());
export const sessionOf = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as Hooked).tsaliveTerminal.session());
export const outputOf = (page: Page) => page.evaluate(() => (globalThis as unknown as Hooked).tsaliveTerminal.output());
/** When the page's phase last became `phase`, wall-clock ms. */
export const changedAt = async (page: Page, phase: string): Promise<number | undefined> =>
  (await page.evaluate(() => (globalThis as unknown as Hooked).tsaliveTerminal.changes()))
    .filter((change) => change.phase === phase)
    .pop()?.at;

export async function waitForStatus(page: Page, pattern: RegExp, timeout = 10_000): Promise<string> {
  let text = "";
  try {
    await waitUntil(
      async () => {
        text = await statusOf(page);
        return pattern.test(text);
      },
      { timeout, interval: 50, what: `the status line to match ${pattern}` },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; it says "${text}"`);
  }
  return text;
}

export async function waitForScreen(page: Page, pattern: RegExp, timeout = 10_000): Promise<void> {
  await waitUntil(async () => pattern.test(await screenOf(page)), {
    timeout,
    interval: 100,
    what: `the terminal to show ${pattern}`,
  });
}

/** Types a line into the terminal. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator(".xterm").click();
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

/** Saves a screenshot under {@linkcode SHOTS}; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Wall-clock ms of the last byte a proxy forwarded in `direction`. */
export const lastForwarded = (proxy: FaultProxy, direction: "up" | "down"): number =>
  performance.timeOrigin + proxy.bytes(direction).lastForwardedAt;

/** What a page's socket gets in answer to one message, from a Node client: the server's first reply and the close code. */
export async function ask(
  url: string,
  message: object,
  origin = new URL(url).origin,
): Promise<{ readonly reply: unknown; readonly code: number } | { readonly status: number }> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}term`, { origin });
  return new Promise((resolve, reject) => {
    let reply: unknown;
    socket.once("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once("error", reject);
    socket.once("open", () => socket.send(JSON.stringify(message)));
    socket.on("message", (data, binary) => {
      if (!binary && reply === undefined) reply = JSON.parse(String(data));
      socket.close();
    });
    socket.once("close", (code) => resolve({ reply, code }));
  });
}
