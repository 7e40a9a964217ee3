// Preloaded (`--require`, through NODE_OPTIONS so child processes get it too) for the run that keeps ssh2's
// JavaScript crypto fallback tested: ssh2 loads its binding in a try/catch and falls back when loading throws, so
// refusing that one shared object is all it takes. Nothing else is touched.
"use strict";
const dlopen = process.dlopen;
process.dlopen = function dlopenWithoutSsh2Binding(module, filename, ...rest) {
  if (/[\\/]sshcrypto\.node$/.test(String(filename))) {
    throw new Error("tsalive: ssh2's sshcrypto.node is hidden for the JavaScript-fallback run");
  }
  return dlopen.call(this, module, filename, ...rest);
};
