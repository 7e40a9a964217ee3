#!/usr/bin/env node
// tsalive-web-terminal: the TypeScript source through tsx, with the workspace packages resolved to their sources
// too (the `tsalive-source` condition), so that nothing needs building first. The server bundles the page from
// source with esbuild when it starts.
import { register } from "node:module";

const condition = `export async function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, "tsalive-source"] });
}`;
register(`data:text/javascript,${encodeURIComponent(condition)}`);
const tsx = await import("tsx/esm/api");
tsx.register();
await import(new URL("../src/main.ts", import.meta.url).href);
