/**
 * The packages as a user installs them: every public package is packed (`pnpm pack`, after the build), the tarballs
 * are installed with npm into a scratch project under /tmp, outside the workspace, with the peers the READMEs name
 * (ssh2, @types/ssh2, @types/node, ws, @types/ws) and TypeScript from the registry. Every README ```ts block is then
 * type-checked there with `skipLibCheck: false` (an error inside tsalive's own .d.ts counts) under
 * `moduleResolution: nodenext` and `bundler` and, as CommonJS, `node10`; and every block not fenced no-run is
 * compiled and run both as an ES module and as CommonJS (every package ships both). Last, with @types/ssh2 removed,
 * the same check must fail inside the adapters' .d.ts: the peer the install lines name is needed. npm's cache
 * (~/.npm) keeps the install fast after the first run; every step has a time bound.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { checkedCode, type Example, markdownExamples } from "./_examples.ts";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..");

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

const packages = readdirSync(join(root, "packages"))
  .map((name) => join(root, "packages", name))
  .filter((dir) => existsSync(join(dir, "package.json")) && manifest(dir).private !== true);

async function run(command: string, args: readonly string[], cwd: string, timeout: number): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr = "", stdout = "", message = "" } = error as { stderr?: string; stdout?: string; message?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`.trim() || message);
  }
}

/** pnpm as the repo pins it: the one on PATH under `pnpm test`, else through npx. */
async function pnpm(args: readonly string[], cwd: string): Promise<string> {
  try {
    await exec("pnpm", ["--version"], { timeout: 30_000 });
    return await run("pnpm", args, cwd, 120_000);
  } catch {
    return await run("npx", ["-y", "pnpm@10", ...args], cwd, 180_000);
  }
}

/** The version the workspace itself is tested with, for the peers and TypeScript the user installs. */
function wanted(name: string): string {
  for (const dir of [root, ...packages]) {
    const range = manifest(dir).devDependencies?.[name];
    if (range) return `${name}@${range}`;
  }
  throw new Error(`no devDependency on ${name}`);
}

const examples: { example: Example; base: string }[] = packages.flatMap((dir) => {
  const name = manifest(dir).name.replace("@tsalive/", "");
  return markdownExamples(name, "README.md", readFileSync(join(dir, "README.md"), "utf8")).map((example) => ({
    example,
    base: `${name.replace(/-/g, "_")}_${example.line}`,
  }));
});

describe("consumer: the packed packages installed with npm outside the workspace", { timeout: 900_000 }, () => {
  const scratch = mkdtempSync("/tmp/tsalive-consumer-");
  const src = join(scratch, "src");
  after(() => rmSync(scratch, { recursive: true, force: true }));

  before(async () => {
    const tarballs = join(scratch, "tarballs");
    mkdirSync(tarballs);
    for (const dir of packages) {
      assert.ok(existsSync(join(dir, "dist")), `${dir} is not built: run pnpm build first`);
      await pnpm(["pack", "--pack-destination", tarballs], dir);
    }
    writeFileSync(
      join(scratch, "package.json"),
      JSON.stringify({ name: "tsalive-consumer", private: true, type: "module" }, null, 2),
    );
    // --ignore-scripts: ssh2's optional native binding is not what this test is about (the JS fallback runs).
    await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--ignore-scripts",
        "--loglevel=error",
        ...readdirSync(tarballs).map((file) => join(tarballs, file)),
        wanted("ssh2"),
        wanted("@types/ssh2"),
        wanted("@types/node"),
        wanted("ws"),
        wanted("@types/ws"),
        wanted("typescript"),
        // @tsalive/metrics's peer, and the SDK its README example records on.
        wanted("@opentelemetry/api"),
        wanted("@opentelemetry/sdk-metrics"),
      ],
      scratch,
      600_000,
    );
    mkdirSync(src);
    for (const { example, base } of examples) {
      // Checked as in the repo: value comments must hold, and `// throws` lines must throw.
      const code = `${checkedCode(example.code)}\nexport {};\n`;
      writeFileSync(join(src, `${base}.mts`), code);
      writeFileSync(join(src, `${base}.cts`), code);
    }
    const compilerOptions = {
      target: "ES2022",
      lib: ["ES2022", "DOM"],
      strict: true,
      skipLibCheck: false,
      types: ["node"],
      esModuleInterop: true,
      rootDir: "src",
    };
    const config = (name: string, options: Record<string, unknown>, include: string[]) =>
      writeFileSync(
        join(scratch, `tsconfig.${name}.json`),
        JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, include }, null, 2),
      );
    config("nodenext", { module: "NodeNext", moduleResolution: "NodeNext", outDir: "out" }, ["src"]);
    config("bundler", { module: "Preserve", moduleResolution: "Bundler", noEmit: true }, ["src/*.mts"]);
    config("node10", { module: "CommonJS", moduleResolution: "Node10", noEmit: true }, ["src/*.cts"]);
  });

  it("installs every public package at its version with its LICENSE, README and CHANGELOG, internal ranges satisfied from the tarballs", () => {
    for (const dir of packages) {
      const { name, version } = manifest(dir);
      const installed = manifest(join(scratch, "node_modules", name));
      assert.equal(installed.version, version, name);
      for (const file of ["LICENSE", "README.md", "CHANGELOG.md"]) {
        assert.ok(existsSync(join(scratch, "node_modules", name, file)), `${name} ships no ${file}`);
      }
      for (const [dep, range] of Object.entries(installed.dependencies ?? {})) {
        if (dep.startsWith("@tsalive/"))
          assert.equal(range, `^${manifest(join(scratch, "node_modules", dep)).version}`);
      }
    }
  });

  const tsc = () => join(scratch, "node_modules", "typescript", "bin", "tsc");
  for (const resolution of ["nodenext", "bundler", "node10"]) {
    it(`every README example type-checks under moduleResolution ${resolution}, tsalive's .d.ts included`, async () => {
      await run(process.execPath, [tsc(), "-p", `tsconfig.${resolution}.json`], scratch, 180_000);
    });
  }

  const runnable = examples.filter(({ example }) => example.run);
  for (const format of ["mjs", "cjs"] as const) {
    it(`the ${runnable.length} runnable README examples run as ${format === "mjs" ? "ES modules" : "CommonJS"}`, async () => {
      assert.ok(existsSync(join(scratch, "out")), "the nodenext compile emits out/");
      const failed: string[] = [];
      for (const { example, base } of runnable) {
        try {
          await run(process.execPath, [join("out", `${base}.${format}`)], scratch, 30_000);
        } catch (error) {
          failed.push(`${example.dir}/README.md:${example.line} as ${format}\n${(error as Error).message}`);
        }
      }
      assert.deepEqual(failed, [], failed.join("\n\n"));
    });
  }

  // Last, since it changes the install: the peers the READMEs name are needed, not decoration.
  it("without @types/ssh2, tsc fails inside the adapters' .d.ts, as the install lines say it would", async () => {
    await run(
      "npm",
      ["uninstall", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "@types/ssh2"],
      scratch,
      300_000,
    );
    const failed = await run(
      process.execPath,
      [tsc(), "-p", "tsconfig.nodenext.json", "--noEmit"],
      scratch,
      180_000,
    ).then(
      () => "",
      (error: Error) => error.message,
    );
    for (const name of ["ssh2-client", "ssh2-server"]) {
      assert.match(failed, new RegExp(`node_modules/@tsalive/${name}/dist/index\\.d\\.c?ts.*error TS7016`), name);
    }
  });
});
