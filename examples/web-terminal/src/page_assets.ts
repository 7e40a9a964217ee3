import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { BrowserLegOptions } from "./options.ts";

const ENTRY = fileURLToPath(new URL("./page/main.ts", import.meta.url));

/** What the page is told: the browser leg's liveness and the retry delay. Never a credential. */
export interface PageConfig {
  readonly browser: Required<BrowserLegOptions>;
  readonly retry: number;
}

/**
 * The page script: `page/main.ts` with xterm.js, its fit addon and `@tsalive/ws/browser` bundled into one ES
 * module by esbuild (from the workspace's TypeScript sources, so no build step is needed first).
 */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["tsalive-source"],
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error("esbuild wrote no output");
  return file.text;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page's HTML; its configuration rides in a meta tag, since the CSP allows no inline script. */
export function pageHtml(config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="tsalive-terminal" content="${escapeHtml(JSON.stringify(config))}">
<title>tsalive web terminal</title>
<link rel="stylesheet" href="/xterm.css">
<style>
  html, body { margin: 0; height: 100%; background: #1e1e1e; color: #ddd; font: 13px system-ui, sans-serif; }
  body { display: flex; flex-direction: column; }
  header { display: flex; gap: 1em; align-items: center; padding: 6px 10px; background: #2d2d2d; }
  #status { flex: 1; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
  #status[data-phase="up"]::before { content: "● "; color: #4caf50; }
  #status[data-phase="reconnecting"]::before, #status[data-phase="connecting"]::before { content: "● "; color: #ffb300; }
  #status[data-phase="ended"]::before { content: "● "; color: #e53935; }
  #terminal { flex: 1; min-height: 0; padding: 4px; }
</style>
</head>
<body>
<header><span id="status">loading…</span><button id="end" type="button">End session</button></header>
<div id="terminal"></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
}
