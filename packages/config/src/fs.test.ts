import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileSystemFromNodeFs } from "./fs.ts";
import { resolveServerConfig } from "./index.ts";

const fs = fileSystemFromNodeFs({ readFileSync, readdirSync, statSync });

describe("fileSystemFromNodeFs", () => {
  it("refuses a FIFO before reading it, so no reader blocks (sshd_config as a FIFO included)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsalive-fs-"));
    try {
      const fifo = join(dir, "sshd_config");
      assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
      assert.throws(() => fs.readFile(fifo), /is a FIFO, not a regular file/);
      // Through the server resolver: a ConfigError naming the file, at once (no writer ever opens the FIFO).
      assert.throws(
        () => resolveServerConfig({ config: fifo, fs, extensions: null }),
        (error: Error) => error.message.includes(fifo),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a device but reads /dev/null as empty", () => {
    assert.throws(() => fs.readFile("/dev/zero"), /is a device, not a regular file/);
    assert.equal(fs.readFile("/dev/null"), "");
  });

  it("refuses a file over the size limit, and reads a normal one", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsalive-fs-"));
    try {
      const big = join(dir, "big");
      writeFileSync(big, Buffer.alloc(8 * 1024 * 1024 + 1, 0x20));
      assert.throws(() => fs.readFile(big), /over the limit of 8388608/);
      writeFileSync(join(dir, "small"), "Port 22\n");
      assert.equal(fs.readFile(join(dir, "small")), "Port 22\n");
      assert.equal(fs.readFile(join(dir, "missing")), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
