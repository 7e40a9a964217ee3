import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/node.ts", "src/unstable.ts"],
  format: ["esm", "cjs"],
  // The package tsconfig is a composite project for `tsc -b`; the declaration build is a plain one.
  dts: { compilerOptions: { composite: false } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  // node.ts imports node: built-ins; they stay imports.
  external: [/^node:/],
});
