import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { resolveClientConfig } from "./client/config.ts";
import { CLIENT_KEYWORDS } from "./client/keywords.ts";
import { ConfigError } from "./errors.ts";
import { memoryFileSystem } from "./fs.ts";
import { parseConfig, stringifyConfig } from "./parse.ts";

const keywords = [...CLIENT_KEYWORDS.values()].map((k) => k.name);
/** Text built from the characters and words that matter to the grammar, plus anything at all. */
const token = fc.oneof(
  fc.constantFrom(...keywords, "Host", "Match", "all", "host", "!", "*", "?", "none", "1h", "22", "yes"),
  fc.constantFrom(" ", "\t", "=", "==", '"', "'", "\\", "#", "\r", "\n", "\r\n", "\f", ",", "%h", "%", "\0"),
  fc.string({ maxLength: 4 }),
  fc.string({ unit: "grapheme", maxLength: 3 }),
);
const configText = fc.array(token, { maxLength: 40 }).map((parts) => parts.join(""));

test("round trip: stringify(parse(text)) is the text, for any text", () => {
  fc.assert(
    fc.property(fc.oneof(configText, fc.string(), fc.string({ unit: "binary" })), (text) => {
      const doc = parseConfig(text, { recover: true });
      assert.equal(stringifyConfig(doc), text);
      try {
        assert.equal(stringifyConfig(parseConfig(text)), text);
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test("any text resolves or throws a ConfigError, nothing else", () => {
  fc.assert(
    fc.property(configText, fc.constantFrom("web", "Web1", "10.0.0.1", "u@h"), (text, host) => {
      try {
        resolveClientConfig({
          host,
          localUser: "me",
          home: "/home/me",
          configFile: { text, file: "fuzz" },
          fs: memoryFileSystem({ "/home/me/.ssh/inc": text }),
          exec: () => true,
        });
      } catch (error) {
        assert.ok(error instanceof ConfigError, `${String(error)} for ${JSON.stringify(text)}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test("line numbers are consecutive from 1 and each line ends where the text has a newline", () => {
  fc.assert(
    fc.property(configText, (text) => {
      const { lines } = parseConfig(text, { recover: true });
      lines.forEach((line, index) => {
        assert.equal(line.line, index + 1);
        if (index < lines.length - 1) assert.ok(line.raw.endsWith("\n"));
        assert.equal(line.raw.indexOf("\n"), line.raw.endsWith("\n") ? line.raw.length - 1 : -1);
      });
    }),
  );
});
