import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { addBlock, quoteArgument, removeKeyword, setKeyword } from "./edit.ts";
import { parseConfig, stringifyConfig } from "./parse.ts";

const text = [
  "# my config\r\n",
  "ServerAliveInterval=30\r\n",
  "\r\n",
  "Host web   # production\r\n",
  "\tHostName web.example.com\r\n",
  "\tServerAliveInterval  60   # tuned for the LB\r\n",
  "\r\n",
  "Match host db user admin\r\n",
  "  Port 2222\r\n",
].join("");

function edit(f: (doc: ReturnType<typeof parseConfig>) => ReturnType<typeof parseConfig>): string {
  return stringifyConfig(f(parseConfig(text)));
}

test("set an existing keyword: only its value changes, comment, indentation, separator and CRLF kept", () => {
  assert.equal(
    edit((d) => setKeyword(d, "serveraliveinterval", "15", "Host web")),
    text.replace("ServerAliveInterval  60   # tuned", "ServerAliveInterval  15   # tuned"),
  );
  assert.equal(
    edit((d) => setKeyword(d, "ServerAliveInterval", "5")),
    text.replace("=30", "=5"),
  );
  assert.equal(
    edit((d) => setKeyword(d, "Port", "22", "match host db user admin")),
    text.replace("Port 2222", "Port 22"),
  );
});

test("set a missing keyword: one line added after the block's last directive, indented like it", () => {
  assert.equal(
    edit((d) => setKeyword(d, "ServerAliveCountMax", "5", "Host web")),
    text.replace("LB\r\n", "LB\r\n\tServerAliveCountMax 5\r\n"),
  );
  assert.equal(
    edit((d) => setKeyword(d, "User", "me")),
    text.replace("=30\r\n", "=30\r\nUser me\r\n"),
  );
  assert.equal(stringifyConfig(setKeyword(parseConfig("Host a"), "Port", "1", "Host a")), "Host a\n  Port 1\n");
  assert.throws(() => setKeyword(parseConfig(text), "Port", "1", "Host nope"), RangeError);
});

test("values that need quoting are quoted so they read back the same", () => {
  const doc = setKeyword(parseConfig("Host a\n"), "IdentityFile", "~/my key", "Host a");
  assert.equal(stringifyConfig(doc), 'Host a\n  IdentityFile "~/my key"\n');
  const line = doc.lines[1];
  assert.ok(line?.kind === "directive");
  assert.deepEqual(line.args, ["~/my key"]);
  assert.equal(quoteArgument('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quoteArgument("#x"), '"#x"');
  assert.equal(quoteArgument(""), '""');
  assert.throws(() => setKeyword(parseConfig(""), "User", "a\nHost evil"), RangeError);
});

test("remove a keyword from one block only", () => {
  assert.equal(
    edit((d) => removeKeyword(d, "ServerAliveInterval", "Host web")),
    text.replace("\tServerAliveInterval  60   # tuned for the LB\r\n", ""),
  );
  assert.equal(
    edit((d) => removeKeyword(d, "Port", "Host web")),
    text,
  );
});

test("add a block at the end, after a blank line", () => {
  assert.equal(
    edit((d) =>
      addBlock(d, "Host new", [
        ["HostName", "n.example"],
        ["LocalForward", ["8080", "localhost:80"]],
      ]),
    ),
    `${text}\r\nHost new\r\n  HostName n.example\r\n  LocalForward 8080 localhost:80\r\n`,
  );
  assert.equal(stringifyConfig(addBlock(parseConfig(""), "Host a", [["Port", "1"]])), "Host a\n  Port 1\n");
  assert.equal(stringifyConfig(addBlock(parseConfig("Port 2"), "Host a", [])), "Port 2\n\nHost a\n");
});

test("property: setting a value reads back exactly, and every other line is untouched", () => {
  const arg = fc.string({ unit: fc.constantFrom("a", " ", '"', "'", "\\", "#", "=", "b"), minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(arg, (value) => {
      const doc = setKeyword(parseConfig(text), "User", value, "Host web");
      const added = doc.lines.find((l) => l.kind === "directive" && l.key === "user");
      assert.ok(added?.kind === "directive");
      assert.deepEqual(added.args, [value]);
      const others = doc.lines.filter((l) => l !== added).map((l) => l.raw);
      assert.deepEqual(
        others,
        parseConfig(text).lines.map((l) => l.raw),
      );
    }),
  );
});
