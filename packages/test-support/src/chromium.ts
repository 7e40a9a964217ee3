/**
 * Debian's Chromium, headless, driven by playwright-core through its executable path (never a downloaded
 * browser): a separate entry (`@tsalive/test-support/chromium`), so that suites without a browser never load
 * playwright-core.
 *
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { registerCleanup } from "./registry.ts";

/** Where Debian's `chromium` package puts the browser (scripts/ensure-peers.sh installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser tests can run here; under CI=true they must. */
export const HAVE_CHROMIUM: boolean = existsSync(CHROMIUM);

/** `skip` for a browser suite: a reason outside CI when Chromium is missing, `false` otherwise. */
export const SKIP_WITHOUT_CHROMIUM: string | false =
  !HAVE_CHROMIUM && process.env.CI !== "true" ? "no /usr/bin/chromium (scripts/ensure-peers.sh)" : false;

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A running Chromium with a fresh profile; `close()` stops it and removes the profile. Registered with `stopAll()`. */
export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** How many times a launch is tried: Chromium has hung before its DevTools pipe answered, once in many CI runs. */
const LAUNCH_ATTEMPTS = 2;

/**
 * Launches headless Chromium with a fresh profile directory. A launch that times out (30 s) is tried once more
 * with a new profile, and says so on stderr; a second timeout throws.
 *
 * @example
 * ```ts no-run
 * // no-run: starts a browser.
 * import { launchChromium } from "@tsalive/test-support/chromium";
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 * await browser.close();
 * ```
 */
export async function launchChromium(
  options: { readonly viewport?: { width: number; height: number } } = {},
): Promise<Chromium> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOnce(options);
    } catch (error) {
      if (attempt >= LAUNCH_ATTEMPTS || !(error instanceof Error) || error.name !== "TimeoutError") throw error;
      console.error(
        `chromium: launch ${attempt} timed out, trying again with a new profile: ${error.message.split("\n")[0]}`,
      );
    }
  }
}

async function launchOnce(options: { readonly viewport?: { width: number; height: number } }): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "tsalive-chromium-"));
  let context: BrowserContext | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unregister();
      await context?.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    })();
    return closing;
  };
  const unregister = registerCleanup("chromium", close);
  try {
    // A persistent context is how playwright takes a --user-data-dir of our choosing: a fresh one per run.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      timeout: 30_000,
      ...(options.viewport !== undefined && { viewport: options.viewport }),
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { context, close };
}
