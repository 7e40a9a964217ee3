/**
 * What the npm page and a user's install see of every public package: a LICENSE, repository (with its folder),
 * homepage and bugs, a released version, internal ranges that pack as `^version`, README links that resolve
 * outside the repository (absolute, and to a file that exists when they point into this repository), and every
 * `@types` peer its declarations need both declared optional and named in the README's install lines.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = join(import.meta.dirname, "..");
const REPO = "https://github.com/tsalive/tsalive";

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const dirs = readdirSync(join(root, "packages")).filter((name) =>
  existsSync(join(root, "packages", name, "package.json")),
);

for (const name of dirs) {
  const dir = join(root, "packages", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
  if (pkg.private) continue;
  const readme = readFileSync(join(dir, "README.md"), "utf8");

  describe(`${pkg.name} as published`, () => {
    it("ships an MIT LICENSE and points at its repository folder, homepage and issues", () => {
      assert.equal(pkg.license, "MIT");
      assert.match(readFileSync(join(dir, "LICENSE"), "utf8"), /^MIT License/);
      assert.deepEqual(pkg.repository, { type: "git", url: `git+${REPO}.git`, directory: `packages/${name}` });
      assert.equal(pkg.homepage, `${REPO}/tree/main/packages/${name}#readme`);
      assert.deepEqual(pkg.bugs, { url: `${REPO}/issues` });
    });

    it("has a released version and internal ranges that pack as ^version", () => {
      assert.notEqual(pkg.version, "0.0.0");
      for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
        if (dep.startsWith("@tsalive/")) assert.equal(range, "workspace:^", dep);
      }
    });

    it("links only to what resolves on the npm page", () => {
      const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? "");
      for (const link of links) {
        if (link.startsWith("#")) continue;
        assert.match(link, /^https?:\/\//, `relative link ${link} does not resolve outside the repository`);
        const inRepo = link.match(/^https:\/\/github\.com\/tsalive\/tsalive\/(?:blob|tree)\/main\/([^#?]+)/);
        if (inRepo?.[1]) assert.ok(existsSync(join(root, inRepo[1])), `${link}: no ${inRepo[1]} in the repository`);
      }
    });

    it("declares the @types its declarations import as optional peers, and the README installs them", () => {
      const dist = readdirSync(join(dir, "dist")).filter((file) => file.endsWith(".d.ts"));
      const imported = new Set<string>();
      for (const file of dist) {
        for (const [, spec = ""] of readFileSync(join(dir, "dist", file), "utf8").matchAll(/from '([^']+)'/g)) {
          if (spec.startsWith("node:")) imported.add("@types/node");
          else if (spec === "ssh2" || spec.startsWith("ssh2/")) imported.add("@types/ssh2");
        }
      }
      for (const types of imported) {
        assert.ok(pkg.peerDependencies?.[types], `${types} is not a peer`);
        assert.equal(pkg.peerDependenciesMeta?.[types]?.optional, true, `${types} is not optional`);
        const install = readme.match(/```sh\n([\s\S]*?)```/)?.[1] ?? "";
        assert.ok(install.includes(types), `the README's install lines do not name ${types}`);
      }
    });
  });
}
