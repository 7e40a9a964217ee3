/**
 * `pnpm demo:web`: everything on loopback. tsalive-sshd on an ephemeral port with a throwaway host key and
 * client key, and the web terminal in front of it (ServerAliveInterval 5, ServerAliveCountMax 2 on the SSH leg;
 * the browser leg probed every 5 s, countMax 2; a 60 s grace period). Prints the URL and runs until Ctrl-C; then
 * everything it started is stopped and the keys are removed.
 *
 * `--screenshot FILE`: instead, opens the page in headless Chromium, runs a command, saves a PNG of the page and
 * exits (the README's screenshot comes from this).
 */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { stopAll, waitUntil } from "@tsalive/test-support";
import { startTsaliveSshd } from "../../server/test/_server.ts";
import { startWebTerminal, type WebTerminal } from "../src/server.ts";
import { fingerprint } from "../src/ssh.ts";
import { resolveTarget } from "../src/target.ts";

const { values } = parseArgs({ options: { screenshot: { type: "string" }, port: { type: "string" } } });

const sshd = await startTsaliveSshd(["ClientAliveInterval 5", "ClientAliveCountMax 2"]);
const hostKey = readFileSync(sshd.dir.join("host_key.pub"), "utf8").split(" ")[1] ?? "";
const target = resolveTarget({
  destination: `${userInfo().username}@127.0.0.1`,
  configFile: "none",
  options: [`Port=${sshd.port}`, "ServerAliveInterval=5", "ServerAliveCountMax=2"],
  identityFiles: [sshd.clientKey.privatePath],
  hostKey: fingerprint(Buffer.from(hostKey, "base64")),
});

async function start(port: number): Promise<WebTerminal> {
  try {
    return await startWebTerminal({ target, port });
  } catch (error) {
    // 8022 taken: any free port will do.
    if ((error as { code?: string }).code === "EADDRINUSE" && port !== 0) return start(0);
    throw error;
  }
}
const terminal = await start(values.screenshot === undefined ? Number(values.port ?? 8022) : 0);

const stop = async (): Promise<void> => {
  await terminal.close();
  await stopAll();
};

if (values.screenshot !== undefined) {
  const { launchChromium } = await import("@tsalive/test-support/chromium");
  const browser = await launchChromium({ viewport: { width: 960, height: 360 } });
  try {
    const page = await browser.context.newPage();
    await page.goto(terminal.url);
    const status = () => page.locator("#status").textContent();
    await waitUntil(async () => /^connected to /.test((await status()) ?? ""), {
      timeout: 10_000,
      what: "the session",
    });
    const screen = () => page.locator(".xterm-rows").textContent();
    await waitUntil(async () => /[$#]\s*$/.test((await screen()) ?? ""), { timeout: 10_000, what: "the prompt" });
    await page.locator(".xterm").click();
    await page.keyboard.type('uname -sr; echo "tsalive web terminal: both legs watched"');
    await page.keyboard.press("Enter");
    // Both legs idle: each RTT is measured after 5 s of silence.
    await waitUntil(
      async () => /browser leg up, rtt [\d.]+ ms · ssh leg up, rtt [\d.]+ ms/.test((await status()) ?? ""),
      {
        timeout: 20_000,
        what: "both legs' RTT",
      },
    );
    await page.screenshot({ path: values.screenshot });
    console.log(`demo: ${await status()}`);
    console.log(`demo: screenshot saved to ${values.screenshot}`);
  } finally {
    await browser.close();
    await stop();
  }
} else {
  console.log(`tsalive web terminal → tsalive-sshd on 127.0.0.1 port ${sshd.port} (throwaway keys)`);
  console.log(`open ${terminal.url}   (Ctrl-C stops everything)`);
  const onSignal = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}
