import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "./errors.ts";
import { type ConfigLine, parseConfig, stringifyConfig } from "./parse.ts";

function directive(line: ConfigLine | undefined): { keyword: string; key: string; args: readonly string[] } {
  assert.ok(line?.kind === "directive", `expected a directive, got ${line?.kind}`);
  return { keyword: line.keyword, key: line.key, args: line.args };
}

function only(text: string) {
  return directive(parseConfig(text).lines[0]);
}

test("keyword and value separated by space, '=', or ' = '", () => {
  for (const text of ["Port 22", "Port=22", "Port = 22", "Port\t=\t22", "  Port   22  ", "port 22\r\n"]) {
    assert.deepEqual(only(text).args, ["22"], text);
  }
  assert.equal(only("ServerAliveInterval 5").key, "serveraliveinterval");
  assert.equal(only("SERVERaliveINTERVAL 5").keyword, "SERVERaliveINTERVAL");
});

test("only one '=' is a separator: K==v leaves '=v' as the value", () => {
  assert.deepEqual(only("Port==22").args, ["=22"]);
  assert.deepEqual(only("Port = =22").args, ["=22"]);
});

test("quotes start anywhere in a token, escapes as argv_split", () => {
  assert.deepEqual(only('Host a"b c"d').args, ["ab cd"]);
  assert.deepEqual(only("Host 'x y' z").args, ["x y", "z"]);
  assert.deepEqual(only("Host a\\\"b a\\'b a\\\\b a\\ b").args, ['a"b', "a'b", "a\\b", "a b"]);
  assert.deepEqual(only('Host "a\\ b"').args, ["a\\ b"]);
  assert.deepEqual(only("Host a\\nb").args, ["a\\nb"]);
  assert.deepEqual(only('Host ""').args, [""]);
});

test("'#' starts a comment only at the start of a token", () => {
  assert.deepEqual(only("Host a#b # c d").args, ["a#b"]);
  assert.deepEqual(only('Host "#x" y').args, ["#x", "y"]);
  assert.equal(parseConfig("  # comment\n").lines[0]?.kind, "comment");
  assert.equal(parseConfig("#Port 22").lines[0]?.kind, "comment");
});

test("blank lines and whitespace-only lines", () => {
  const doc = parseConfig("\n \t\n\r\n \f\n=\n");
  assert.deepEqual(
    doc.lines.map((l) => l.kind),
    ["blank", "blank", "blank", "blank", "blank"],
  );
  // A form feed is whitespace only at the end of a line; alone it is a keyword, as in OpenSSH.
  assert.throws(() => parseConfig("\f\n"), /no argument after keyword "\f"/);
});

test("a quoted keyword is read as OpenSSH strdelim reads it", () => {
  assert.deepEqual(only('"Port" 22'), { keyword: "Port", key: "port", args: ["22"] });
  // An unclosed quote in the keyword makes OpenSSH skip the line silently.
  assert.equal(parseConfig('"Port 22').lines[0]?.kind, "comment");
});

test("line numbers and raw text, CRLF kept", () => {
  const text = "Host a\r\n  Port 1\n\n# c\nUser x";
  const doc = parseConfig(text, { file: "f" });
  assert.deepEqual(
    doc.lines.map((l) => [l.line, l.raw]),
    [
      [1, "Host a\r\n"],
      [2, "  Port 1\n"],
      [3, "\n"],
      [4, "# c\n"],
      [5, "User x"],
    ],
  );
  assert.equal(doc.file, "f");
  assert.equal(stringifyConfig(doc), text);
  assert.equal(parseConfig("").lines.length, 0);
});

test("missing value and unclosed quotes: every bad line, then fail", () => {
  const text = 'Port\nHost ok\nUser "x\nHostName   \n';
  assert.throws(
    () => parseConfig(text, { file: "cfg" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, "CONFIG_INVALID");
      assert.deepEqual(
        error.errors.map((e) => e.message),
        [
          'cfg line 1: no argument after keyword "port"',
          "cfg line 3: invalid quotes",
          'cfg line 4: no argument after keyword "hostname"',
        ],
      );
      assert.equal(error.line, 1);
      assert.equal(error.keyword, "Port");
      assert.match(error.message, /cfg: terminating, 3 bad configuration options$/);
      return true;
    },
  );
  const recovered = parseConfig(text, { file: "cfg", recover: true });
  assert.equal(recovered.issues.length, 3);
  assert.equal(stringifyConfig(recovered), text);
});

test("the value after the keyword is kept verbatim for command keywords", () => {
  const line = parseConfig("ProxyCommand  nc %h %p # not a comment  \n").lines[0];
  assert.ok(line?.kind === "directive");
  assert.equal(line.value, "nc %h %p # not a comment");
  assert.deepEqual(line.args, ["nc", "%h", "%p"]);
});
