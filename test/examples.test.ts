/**
 * Every example a user reads is checked: each ```ts block of a package README and of a doc comment (`@example`)
 * is written out inside its package (so the package's own name and its dependencies resolve, from source), all of
 * a package's are type-checked in one strict tsc run, and those not fenced ```ts no-run are run with Node, each
 * within a time bound. A no-run block says why in its first line, `// no-run: REASON` (it needs a real server, or
 * it is a fragment of a larger program whose free names it declares).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { checkedCode, type Example, packageExamples } from "./_examples.ts";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const OUT = ".examples";

const dirs = readdirSync(join(root, "packages"))
  .map((name) => `packages/${name}`)
  .filter((dir) => existsSync(join(root, dir, "package.json")));

function fileName(example: Example): string {
  return `${example.file.replace(/[/.]/g, "_")}_${example.line}.ts`;
}

/** The example's relative imports (a private module's `./_x.ts`), pointed from `out` at the file they meant. */
function relativeTo(example: Example, out: string): string {
  const from = dirname(join(root, example.dir, example.file));
  return example.code.replace(/(from\s+|import\s+)"(\.\.?\/[^"]+)"/g, (_all, keyword: string, spec: string) => {
    const target = relative(out, join(from, spec));
    return `${keyword}"${target.startsWith(".") ? target : `./${target}`}"`;
  });
}

function failure(error: unknown): string {
  const { stderr = "", stdout = "", message = "" } = error as { stderr?: string; stdout?: string; message?: string };
  return `${stdout}\n${stderr}`.trim() || message;
}

/** A small pool, so the runs use both cores without starting every Node at once. */
async function pooled<T>(items: readonly T[], width: number, each: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await each(item);
    }),
  );
}

for (const dir of dirs) {
  const examples = packageExamples(root, dir);
  if (examples.length === 0) continue;
  const out = join(root, dir, OUT);
  describe(`${dir} examples`, () => {
    after(() => rmSync(out, { recursive: true, force: true }));

    // Written before any test, so each test (or a --test-name-pattern selection) finds them.
    before(() => {
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      for (const example of examples) {
        // `export {}` makes every block a module of its own, as a user's file would be.
        const code = `${checkedCode(relativeTo(example, out))}\nexport {};\n`;
        writeFileSync(join(out, fileName(example)), code);
      }
      writeFileSync(
        join(out, "tsconfig.json"),
        JSON.stringify({
          extends: "../../../tsconfig.base.json",
          compilerOptions: {
            composite: false,
            declaration: false,
            emitDeclarationOnly: false,
            noEmit: true,
            lib: ["ES2022", "DOM"],
            types: ["node"],
            // An example may name a value only to show it; it is not a module with unused code.
            noUnusedLocals: false,
            noUnusedParameters: false,
          },
          // The ambient declarations of ssh2's untyped internals, as the builds see them: the package's own, and the
          // private ssh2 layer's, which the adapters' sources import.
          include: ["*.ts", "../src/**/*.d.ts", "../../ssh2-layer/src/**/*.d.ts"],
        }),
      );
    });

    it(`all ${examples.length} type-check`, async () => {
      try {
        await run(process.execPath, [tsc, "-p", join(out, "tsconfig.json")], { cwd: out, timeout: 120_000 });
      } catch (error) {
        const where = (name: string) => examples.find((example) => fileName(example) === name);
        const text = failure(error).replace(/^(\S+?\.ts)\((\d+),(\d+)\)/gm, (all, name: string, line: string) => {
          const example = where(name);
          return example ? `${dir}/${example.file}:${example.line + Number(line)} (${name})` : all;
        });
        assert.fail(`examples of ${dir} do not type-check:\n${text}`);
      }
    });

    it("every no-run block says why, in a first line // no-run: REASON", () => {
      const silent = examples.filter((example) => !example.run && !/^\/\/ no-run: \S/.test(example.code));
      assert.deepEqual(
        silent.map((example) => `${dir}/${example.file}:${example.line}`),
        [],
      );
    });

    const runnable = examples.filter((example) => example.run);
    it(`the ${runnable.length} not marked no-run run`, async () => {
      const failed: string[] = [];
      await pooled(runnable, 2, async (example) => {
        try {
          await run(process.execPath, ["--conditions=tsalive-source", "--import", "tsx", fileName(example)], {
            cwd: out,
            timeout: 30_000,
          });
        } catch (error) {
          failed.push(`${dir}/${example.file}:${example.line}\n${failure(error)}\n${example.code}`);
        }
      });
      assert.deepEqual(failed, [], failed.join("\n\n"));
    });
  });
}
