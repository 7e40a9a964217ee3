/**
 * Every ```ts block of every package README runs as written: extracted to a file inside its package (so the
 * package's own name resolves) and run with Node, each within a time bound. A block fenced as ```ts no-run is
 * only type-checked by the package's own tests; say why next to it in the README.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");

function blocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
}

for (const dir of ["packages", "examples"]) {
  if (!existsSync(join(root, dir))) continue;
  for (const name of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (!name.isDirectory()) continue;
    const pkg = join(root, dir, name.name);
    let readme: string;
    try {
      readme = readFileSync(join(pkg, "README.md"), "utf8");
    } catch {
      continue;
    }
    describe(`${dir}/${name.name}/README.md`, () => {
      blocks(readme).forEach((code, index) => {
        it(`example ${index + 1} runs`, async () => {
          const file = join(pkg, `.readme-example-${index + 1}.ts`);
          writeFileSync(file, code);
          try {
            await run(process.execPath, ["--conditions=tsalive-source", "--import", "tsx", file], {
              cwd: pkg,
              timeout: 30_000,
            });
          } catch (error) {
            const { stderr = "", stdout = "" } = error as { stderr?: string; stdout?: string };
            assert.fail(`README example ${index + 1} of ${dir}/${name.name} failed:\n${stdout}\n${stderr}\n${code}`);
          } finally {
            rmSync(file, { force: true });
          }
        });
      });
    });
  }
}
