import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/browser.ts"],
  format: ["esm", "cjs"],
  // The package tsconfig is a composite project for `tsc -b`; the declaration build is a plain one.
  dts: { compilerOptions: { composite: false } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  // Neither entry imports a node: module; the Node entry only reaches into the `ws` object it is given.
  platform: "neutral",
  external: ["ws", "@tsalive/core"],
});
