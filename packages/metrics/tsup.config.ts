import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  // The package tsconfig is a composite project for `tsc -b`; the declaration build is a plain one.
  dts: { compilerOptions: { composite: false } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  // The user's copies: the OpenTelemetry API (a peer, so one global meter provider) and the adapter.
  external: ["@opentelemetry/api", "@tsalive/ssh2-server", "@tsalive/core"],
});
