// Prints which crypto path ssh2 takes on the Node running this: "native" (its sshcrypto.node binding, built by
// node-gyp at install) or "js" (its JavaScript fallback, taken silently when the binding is missing or was built
// for another Node ABI). With an argument, exits 1 unless the path is that one.
// Usage: node scripts/ssh2-crypto.cjs [native|js]
"use strict";
const { createRequire } = require("node:module");
const path = require("node:path");

const fromAdapter = createRequire(path.join(__dirname, "../packages/ssh2-client/package.json"));
const { bindingAvailable } = fromAdapter("ssh2/lib/protocol/crypto.js");
const actual = bindingAvailable ? "native" : "js";
let cpuFeatures = "not loadable";
try {
  createRequire(fromAdapter.resolve("ssh2"))("cpu-features")();
  cpuFeatures = "loaded";
} catch {
  // ssh2 then keeps its default cipher order
}
const expected = process.argv[2];
console.log(
  `ssh2 crypto: ${actual === "native" ? "native binding (sshcrypto.node)" : "JavaScript fallback"}, cpu-features ${cpuFeatures}`,
);
if (expected !== undefined && (expected !== actual || (expected === "native" && cpuFeatures !== "loaded"))) {
  console.error(`ssh2 crypto: expected ${expected}, got ${actual} on Node ${process.version}`);
  process.exit(1);
}
