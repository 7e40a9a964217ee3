import assert from "node:assert/strict";
import { test } from "node:test";
import { expandIncludeGlob, fnmatch } from "./_glob.ts";
import { memoryFileSystem } from "./fs.ts";

const fs = memoryFileSystem({
  "/h/.ssh/config": "",
  "/h/.ssh/conf.d/b.conf": "",
  "/h/.ssh/conf.d/a.conf": "",
  "/h/.ssh/conf.d/B.conf": "",
  "/h/.ssh/conf.d/.hidden.conf": "",
  "/h/.ssh/conf.d/c.txt": "",
  "/h/.ssh/conf.d/sub/d.conf": "",
  "/etc/ssh/ssh_config.d/10-x.conf": "",
});

test("fnmatch: *, ?, brackets, escapes, leading dot", () => {
  assert.equal(fnmatch("*.conf", "a.conf"), true);
  assert.equal(fnmatch("*.conf", ".a.conf"), false);
  assert.equal(fnmatch(".*", ".a"), true);
  assert.equal(fnmatch("?.conf", "a.conf"), true);
  assert.equal(fnmatch("[ab].conf", "b.conf"), true);
  assert.equal(fnmatch("[!ab].conf", "b.conf"), false);
  assert.equal(fnmatch("[a-c]x", "bx"), true);
  assert.equal(fnmatch("[[:digit:]]*", "10-x.conf"), true);
  assert.equal(fnmatch("\\*", "*"), true);
  assert.equal(fnmatch("\\*", "a"), false);
  assert.equal(fnmatch("[]]", "]"), true);
  assert.equal(fnmatch("[", "["), true);
});

test("expandIncludeGlob: lexical byte order, hidden files skipped, ~ is home", () => {
  assert.deepEqual(expandIncludeGlob("~/.ssh/conf.d/*.conf", fs, "/h"), [
    "/h/.ssh/conf.d/B.conf",
    "/h/.ssh/conf.d/a.conf",
    "/h/.ssh/conf.d/b.conf",
  ]);
  assert.deepEqual(expandIncludeGlob("/h/.ssh/conf.d/*", fs, "/h"), [
    "/h/.ssh/conf.d/B.conf",
    "/h/.ssh/conf.d/a.conf",
    "/h/.ssh/conf.d/b.conf",
    "/h/.ssh/conf.d/c.txt",
    "/h/.ssh/conf.d/sub",
  ]);
  assert.deepEqual(expandIncludeGlob("/h/.ssh/*/*/d.conf", fs, "/h"), ["/h/.ssh/conf.d/sub/d.conf"]);
  assert.deepEqual(expandIncludeGlob("/etc/ssh/ssh_config.d/*.conf", fs, "/h"), ["/etc/ssh/ssh_config.d/10-x.conf"]);
});

test("expandIncludeGlob: literal paths only when they exist; no match is empty", () => {
  assert.deepEqual(expandIncludeGlob("~/.ssh/config", fs, "/h"), ["/h/.ssh/config"]);
  assert.deepEqual(expandIncludeGlob("~/.ssh/missing", fs, "/h"), []);
  assert.deepEqual(expandIncludeGlob("/nowhere/*", fs, "/h"), []);
  assert.deepEqual(expandIncludeGlob("relative/*", fs, "/h"), []);
});
