/**
 * The package exports exactly what its README's "API" section documents, entry point by entry point, values and
 * types alike: a new export needs its line in the README, and a name dropped from the code leaves it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as main from "./index.ts";
import * as node from "./node.ts";
import * as unstable from "./unstable.ts";

const ENTRIES = [
  { name: "@tsalive/config", file: "index.ts", module: main },
  { name: "@tsalive/config/node", file: "node.ts", module: node },
  { name: "@tsalive/config/unstable", file: "unstable.ts", module: unstable },
] as const;

const text = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");

/** The names an entry file exports, read from its source: re-export lists and declarations, values and types. */
function exportedNames(source: string): { values: string[]; types: string[] } {
  const values: string[] = [];
  const types: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  for (const [, typeOnly, list] of code.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const raw of (list ?? "").split(",")) {
      const entry = raw.trim();
      if (entry === "") continue;
      const isType = typeOnly !== undefined || entry.startsWith("type ");
      const name =
        entry
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)
          .at(-1) ?? entry;
      (isType ? types : values).push(name);
    }
  }
  for (const [, kind, name] of code.matchAll(/export\s+(function|const|class|interface|type)\s+(\w+)/g)) {
    (kind === "interface" || kind === "type" ? types : values).push(name as string);
  }
  return { values: values.sort(), types: types.sort() };
}

/** The names the README documents under `### \`ENTRY\`` in its "## API" section: values plain, types in italics. */
function documented(readme: string, entry: string): { values: string[]; types: string[] } {
  const api = readme.slice(readme.indexOf("\n## API\n"));
  const start = api.indexOf(`\n### \`${entry}\`\n`);
  assert.ok(start >= 0, `the README's API section has a "### \`${entry}\`" part`);
  const body = api.slice(start + entry.length + 8).split(/\n##/)[0] ?? "";
  const values = [...body.matchAll(/(?<![*\w])`(\w+)`(?!\*)/g)].map((m) => m[1] as string);
  const types = [...body.matchAll(/\*`(\w+)`\*/g)].map((m) => m[1] as string);
  return { values: values.sort(), types: types.sort() };
}

for (const entry of ENTRIES) {
  test(`${entry.name} exports exactly what the README's API section documents`, () => {
    const fromSource = exportedNames(text(`./${entry.file}`));
    // The source reading is checked against what the module really exports at run time.
    assert.deepEqual(fromSource.values, Object.keys(entry.module).sort(), `${entry.file}: the values read from it`);
    const readme = documented(text("../README.md"), entry.name);
    assert.deepEqual(readme.values, fromSource.values, `${entry.name}: values in the README vs exported`);
    assert.deepEqual(readme.types, fromSource.types, `${entry.name}: types in the README vs exported`);
  });
}

test("no ported C helper is exported from the stable entry", () => {
  for (const name of ["strtonum", "a2port", "convtime", "addrMatchList", "INT_MAX", "serverWinner", "fnmatch"]) {
    assert.equal(name in main, false, name);
  }
});
