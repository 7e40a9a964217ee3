/**
 * Every package with a `deno.json` (the ones that run on Deno) is publishable to JSR as it stands: `deno publish
 * --dry-run` passes (license, slow types, the public API's type output), and its JSR version is its npm version.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const deno = join(root, "node_modules", ".bin", "deno");

const packages = readdirSync(join(root, "packages")).filter((name) =>
  existsSync(join(root, "packages", name, "deno.json")),
);

describe("JSR", () => {
  it("covers core and config at least", () => {
    assert.ok(packages.includes("core") && packages.includes("config"), String(packages));
  });
  for (const name of packages) {
    const dir = join(root, "packages", name);
    it(`${name}: deno.json version and license match package.json`, () => {
      const jsr = JSON.parse(readFileSync(join(dir, "deno.json"), "utf8")) as Record<string, unknown>;
      const npm = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
      assert.deepEqual([jsr.name, jsr.version, jsr.license], [npm.name, npm.version, npm.license]);
    });
    it(`${name}: deno publish --dry-run passes`, async () => {
      try {
        // --allow-dirty: this checks what would ship, not whether the work tree is committed.
        await run(deno, ["publish", "--dry-run", "--allow-dirty"], {
          cwd: dir,
          timeout: 120_000,
          env: { ...process.env, NO_COLOR: "1" },
        });
      } catch (error) {
        const { stderr = "", stdout = "" } = error as { stderr?: string; stdout?: string };
        assert.fail(`deno publish --dry-run failed in packages/${name}:\n${stdout}\n${stderr}`);
      }
    });
  }
});
