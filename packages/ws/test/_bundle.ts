/** The browser entry as a page gets it: `src/browser.ts` and core bundled into one ES module by esbuild. */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("../src/browser.ts", import.meta.url));

/** Bundles the browser entry (with `@tsalive/core`), for a browser, as an ES module. */
export async function bundleBrowserEntry(minify: boolean): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["tsalive-source"],
    minify,
    write: false,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error("esbuild wrote no output");
  return file.text;
}

/** Sizes in bytes of the minified bundle, raw and gzipped (level 9). */
export async function browserEntrySize(): Promise<{ readonly minified: number; readonly gzipped: number }> {
  const code = await bundleBrowserEntry(true);
  return { minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length };
}
