/**
 * Files are checked before they are read (issue 10 §3): a FIFO, a device, an over-large file and a huge Include
 * glob are refused with a ConfigError naming the file and line, quickly and without blocking; a path given
 * without `fs` is read from the real file system. Integration test on real files under /tmp.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  ConfigError,
  MAX_CONFIG_FILE_BYTES,
  MAX_INCLUDE_MATCHES,
  resolveClientConfig,
  resolveServerConfig,
} from "../src/index.ts";
import { nodeFileSystem } from "../src/node.ts";

const root = mkdtempSync("/tmp/tsalive-files-");
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, "home");
mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
const base = { host: "h", localUser: userInfo().username, home, uid: process.getuid?.() ?? 0 };

function write(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

function refused(config: string, code: string, pattern: RegExp): ConfigError {
  const started = performance.now();
  let caught: unknown;
  try {
    resolveClientConfig({ ...base, configFile: config });
  } catch (error) {
    caught = error;
  }
  assert.ok(performance.now() - started < 2000, "refused quickly, without blocking");
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.match(caught.message, pattern);
  return caught;
}

test("configFile without fs reads the real file (it used to report No such file)", () => {
  const config = write("real", "Host h\n  Port 2345\n  Heartbeat 5\n");
  const { values } = resolveClientConfig({ ...base, configFile: config });
  assert.equal(values.port, 2345);
  assert.equal(values.heartbeat, 5);
});

test("a FIFO as -F or as an Include is refused, naming the file and the Include line, without blocking", () => {
  const fifo = join(root, "fifo");
  execFileSync("mkfifo", ["-m", "600", fifo]);
  refused(fifo, "CONFIG_NOT_REGULAR", /fifo: not a regular file \(a FIFO/);
  const config = write("with-fifo", `Port 2200\nInclude ${fifo}\n`);
  const error = refused(
    config,
    "CONFIG_NOT_REGULAR",
    /with-fifo line 2: Can't open user config file .*fifo: not a regular file/,
  );
  assert.equal(error.errors[0]?.file, config);
  assert.equal(error.errors[0]?.line, 2);
});

test("Include /dev/zero fails as ssh does, before reading: Bad owner or permissions", () => {
  const config = write("with-zero", "Include /dev/zero\n");
  refused(config, "CONFIG_BAD_PERMISSIONS", /^Bad owner or permissions on \/dev\/zero$/);
});

test("a device as -F (no permission check there) is refused; /dev/null reads as empty, as ssh -F /dev/null", () => {
  refused("/dev/zero", "CONFIG_NOT_REGULAR", /\/dev\/zero: not a regular file \(a device/);
  assert.equal(resolveClientConfig({ ...base, configFile: "/dev/null" }).values.port, 22);
});

test("a file over MAX_CONFIG_FILE_BYTES is refused without reading it", () => {
  const big = write("big", "");
  truncateSync(big, MAX_CONFIG_FILE_BYTES + 1);
  refused(big, "CONFIG_LIMIT", /big: file too large/);
});

test("an Include glob that matches more than MAX_INCLUDE_MATCHES files is refused", () => {
  const dir = join(root, "many");
  mkdirSync(dir);
  for (let i = 0; i <= MAX_INCLUDE_MATCHES; i++) writeFileSync(join(dir, `f${i}`), "", { mode: 0o600 });
  const config = write("with-many", `Include ${dir}/*\n`);
  const error = refused(config, "CONFIG_LIMIT", /with-many line 1: Include .* matches more than 1024 files/);
  assert.equal(error.errors[0]?.line, 1);
});

test("sshd_config is read with the same checks and the same error: a FIFO, a device, an over-large file", () => {
  const server = (config: string, code: string, pattern: RegExp) => {
    const started = performance.now();
    const error = (() => {
      try {
        resolveServerConfig({ config, fs: nodeFileSystem, extensions: null });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(performance.now() - started < 2000, "refused quickly, without blocking");
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    assert.deepEqual([error.file, error.line, error.keyword, error.value], [config, 0, undefined, undefined]);
  };
  const fifo = join(root, "sshd-fifo");
  execFileSync("mkfifo", ["-m", "600", fifo]);
  server(fifo, "CONFIG_NOT_REGULAR", /^\/tmp\/\S+\/sshd-fifo: not a regular file \(a FIFO/);
  server("/dev/zero", "CONFIG_NOT_REGULAR", /^\/dev\/zero: not a regular file \(a device/);
  const big = write("sshd-big", "");
  truncateSync(big, MAX_CONFIG_FILE_BYTES + 1);
  server(big, "CONFIG_LIMIT", /sshd-big: file too large/);
  server(join(root, "missing"), "CONFIG_READ_FAILED", /missing: No such file or directory$/);
});
