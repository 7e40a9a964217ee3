/** The example extractor itself: what it finds, and how a block's comments become checks. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkedCode, docExamples, markdownExamples } from "./_examples.ts";

describe("example extraction", () => {
  it("finds doc-comment blocks with their line and no-run flag, the ` * ` prefix removed", () => {
    const source = [
      "/**",
      " * Adds.",
      " *",
      " * @example",
      " * ```ts",
      " * add(1, 2); // 3",
      " * ```",
      " */",
      "export function add(a: number, b: number): number { return a + b; }",
      "  /**",
      "   * ```ts no-run",
      "   * connect();",
      "   *",
      "   * ```",
      "   */",
      "const notInAComment = '```ts';",
    ].join("\n");
    assert.deepEqual(docExamples("packages/x", "src/add.ts", source), [
      { dir: "packages/x", file: "src/add.ts", line: 5, run: true, code: "add(1, 2); // 3\n" },
      { dir: "packages/x", file: "src/add.ts", line: 11, run: false, code: "connect();\n\n" },
    ]);
  });

  it("finds only ```ts blocks of markdown", () => {
    const text = "# x\n```sh\nnpm i x\n```\n```ts\nconst a = 1;\n```\n";
    assert.deepEqual(markdownExamples("packages/x", "README.md", text), [
      { dir: "packages/x", file: "README.md", line: 5, run: true, code: "const a = 1;\n" },
    ]);
  });
});

describe("checkedCode", () => {
  const run = (code: string) => {
    const checked = checkedCode(code).replace(/^import \{ deepStrictEqual as __claim \} from "node:assert";$/m, "");
    new Function("__claim", checked)(assert.deepStrictEqual);
  };

  it("turns a value comment into a deep, strict check", () => {
    assert.doesNotThrow(() => run('[1, 2].map((n) => n * 2); // [2, 4]\n"a".toUpperCase(); // "A"'));
    assert.throws(() => run("1 + 1; // 3"), assert.AssertionError);
    assert.throws(() => run("({ a: 1, b: 2 }); // { a: 1 }"), assert.AssertionError);
  });

  it("leaves prose, declarations and console output alone", () => {
    const code = "f(); // logs 1\nconst x = 2; // 3\nconsole.log(1); // 2\ng(); // 0 (off)\nh(); // ms";
    assert.equal(checkedCode(code), code);
  });

  it("checks `// throws Name`", () => {
    assert.doesNotThrow(() => run("null.x; // throws TypeError"));
    assert.doesNotThrow(() => run("null.x; // throws TypeError: … null …"));
    assert.throws(() => run("(1).toString(); // throws TypeError"), /expected TypeError/);
    assert.throws(() => run("null.x; // throws RangeError"), TypeError);
  });

  it("checks a statement followed by `// throws Name: …` or `// Name: …`", () => {
    assert.doesNotThrow(() => run("null.x;\n// throws TypeError: Cannot read properties of null"));
    assert.doesNotThrow(() => run("null.x;\n// TypeError: Cannot read properties of null"));
    assert.throws(() => run("(1).toString();\n// RangeError: no"), /expected RangeError/);
  });

  it("keeps every line where it was, so errors point into the README or source", () => {
    const code = "a; // 1\nb;\nc; // 2\n";
    assert.deepEqual(checkedCode(code).split("\n").slice(0, 3), ["__claim(a, 1);", "b;", "__claim(c, 2);"]);
  });
});
