#!/usr/bin/env node
// tsalive-ssh: runs the build (dist/) when there is one, else the TypeScript source through tsx (in the monorepo).
import { existsSync } from "node:fs";

const built = new URL("../dist/main.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/main.ts", import.meta.url).href);
}
