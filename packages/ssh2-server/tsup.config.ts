import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // The package tsconfig is a composite project for `tsc -b`; the declaration build is a plain one.
  dts: { compilerOptions: { composite: false } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "node",
  // ssh2 is the user's copy (a peer dependency); its deep imports must stay imports.
  external: ["ssh2", /^ssh2\//, "@tsalive/core"],
  // The shared ssh2 layer is private: bundled into this package, so the published tarball does not depend on it.
  noExternal: ["@tsalive/ssh2-layer"],
});
