#!/usr/bin/env node
// tsalive-web-terminal: the TypeScript source through tsx. The server bundles the page from source with esbuild
// when it starts, so there is no build step.
const { register } = await import("tsx/esm/api");
register();
await import(new URL("../src/main.ts", import.meta.url).href);
