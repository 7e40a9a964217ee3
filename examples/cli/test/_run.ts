/**
 * How the tests start tsalive-ssh: `node ...RUN args…` runs the program from its TypeScript source (as every
 * package's tests run), so a stale dist/ is never what is tested.
 */
import { fileURLToPath } from "node:url";

export const RUN: readonly string[] = [
  "--conditions=tsalive-source",
  "--import",
  "tsx",
  fileURLToPath(new URL("../src/main.ts", import.meta.url)),
];
