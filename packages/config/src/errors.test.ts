import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveClientConfig } from "./client/config.ts";
import { ConfigError } from "./errors.ts";
import { resolveServerConfig } from "./server/config.ts";

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const client = (text: string) =>
  thrown(() =>
    resolveClientConfig({ host: "h", localUser: "me", home: "/home/me", configFile: { file: "config", text } }),
  );
const server = (text: string) =>
  thrown(() =>
    resolveServerConfig({ config: { file: "sshd_config", text }, connection: { user: "u" }, extensions: null }),
  );
const fields = (error: ConfigError) => [error.code, error.file, error.line, error.keyword, error.value];

test("both readers fail the same way: a ConfigError naming the file, line, keyword and value of the first bad line", () => {
  assert.deepEqual(fields(client("Port 22\nConnectTimeout 5x\n")), [
    "CONFIG_INVALID",
    "config",
    2,
    "ConnectTimeout",
    "5x",
  ]);
  assert.deepEqual(fields(server("Port 22\nClientAliveInterval 5x\n")), [
    "CONFIG_INVALID",
    "sshd_config",
    2,
    "ClientAliveInterval",
    "5x",
  ]);
  // A bad Match line: both name the Match line, with OpenSSH's messages.
  assert.deepEqual(fields(client("Match nosuch x\n")), ["CONFIG_INVALID", "config", 1, "Match", "nosuch x"]);
  assert.deepEqual(fields(server("Match nosuch x\n")), ["CONFIG_INVALID", "sshd_config", 1, "Match", "nosuch x"]);
  assert.match(
    server("Match nosuch x\n").message,
    /Unsupported Match attribute nosuch\nsshd_config line 1: Bad Match condition$/,
  );
  // Every issue carries the same fields.
  const { errors } = client("Bogus 1\nPort x\n");
  assert.deepEqual(
    errors.map((issue) => [issue.file, issue.line, issue.keyword, issue.value]),
    [
      ["config", 1, "Bogus", "1"],
      ["config", 2, "Port", "x"],
    ],
  );
});
