import assert from "node:assert/strict";
import { test } from "node:test";
import { readConfigFile } from "./_read.ts";
import { ConfigError, MAX_CONFIG_FILE_BYTES } from "./errors.ts";
import type { ConfigFileStat, ConfigFileSystem } from "./fs.ts";

function fsWith(
  entries: Record<string, { stat: ConfigFileStat; text?: string }>,
): ConfigFileSystem & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: (path) => {
      reads.push(path);
      return entries[path]?.text;
    },
    readDir: () => undefined,
    stat: (path) => entries[path]?.stat,
  };
}

const check = { checkPerm: true, uid: 1000 };

test("a missing file is undefined; a good file is read", () => {
  const fs = fsWith({ "/c": { stat: { uid: 1000, mode: 0o100600, size: 5 }, text: "Port 1" } });
  assert.equal(readConfigFile(fs, "/missing", check), undefined);
  assert.equal(readConfigFile(fs, "/c", check), "Port 1");
});

test("permissions are checked before the type and before reading, as ssh does", () => {
  const fs = fsWith({ "/dev/zero": { stat: { uid: 0, mode: 0o020666 } } });
  assert.throws(
    () => readConfigFile(fs, "/dev/zero", check),
    (e: unknown) => e instanceof ConfigError && e.code === "CONFIG_BAD_PERMISSIONS",
  );
  assert.deepEqual(fs.reads, []);
});

test("a FIFO, a device or a socket is refused without reading; /dev/null reads as empty", () => {
  const fs = fsWith({
    "/fifo": { stat: { uid: 1000, mode: 0o010600 } },
    "/sock": { stat: { uid: 1000, mode: 0o140600 } },
    "/dev/null": { stat: { uid: 0, mode: 0o020666 } },
  });
  const at = { text: "config line 3", file: "config", line: 3 };
  assert.throws(
    () => readConfigFile(fs, "/fifo", { ...check, at }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === "CONFIG_NOT_REGULAR" &&
      e.file === "config" &&
      e.line === 3 &&
      /^config line 3: Can't open user config file \/fifo: not a regular file \(a FIFO/.test(e.message),
  );
  assert.throws(() => readConfigFile(fs, "/sock", check), /a socket/);
  assert.equal(readConfigFile(fs, "/dev/null", { checkPerm: false, uid: 1000 }), "");
  assert.deepEqual(fs.reads, []);
});

test("a file over MAX_CONFIG_FILE_BYTES is refused without reading", () => {
  const fs = fsWith({ "/big": { stat: { uid: 1000, mode: 0o100600, size: MAX_CONFIG_FILE_BYTES + 1 } } });
  assert.throws(
    () => readConfigFile(fs, "/big", check),
    (e: unknown) => e instanceof ConfigError && e.code === "CONFIG_LIMIT",
  );
  assert.deepEqual(fs.reads, []);
});
