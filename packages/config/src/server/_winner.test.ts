import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpenSshVersion } from "../openssh_version.ts";
import { serverWinner } from "./_winner.ts";
import { resolveServerConfig } from "./config.ts";
import { explainServerConfig } from "./explain.ts";

// The same lines as test/fixtures/server/maxstartups-which-wins.case and rekeylimit-ipqos-match.case, which the
// differential suite checks against each release's sshd -T.
const text = [
  "ClientAliveInterval 30",
  "ClientAliveInterval 40",
  "MaxStartups 5",
  "MaxStartups 7:20:9",
  "IPQoS af21",
  "IPQoS cs1",
  "Match User root",
  "  IPQoS cs3 throughput",
  "  IPQoS cs4",
  "",
].join("\n");
const resolve = (openssh: OpenSshVersion, user = "root") =>
  resolveServerConfig({ config: { file: "sshd_config", text }, connection: { user }, extensions: null, openssh });
const line = (openssh: OpenSshVersion, key: string, user?: string) => {
  const winner = serverWinner(resolve(openssh, user).resolution, key)?.source;
  const explained = explainServerConfig(resolve(openssh, user), key).source;
  assert.deepEqual(explained, winner, `${openssh} ${key}: explain and the winner agree`);
  return winner?.kind === "file" ? winner.line : undefined;
};

test("first-wins keywords report their first line on every release", () => {
  for (const openssh of ["9.2", "10.0", "10.6"] as const) assert.equal(line(openssh, "clientaliveinterval"), 1);
});

test("last-wins keywords (MaxStartups, IPQoS before 10.6) report their last line, in the pass that applies", () => {
  assert.equal(line("9.2", "maxstartups"), 4);
  assert.equal(line("10.0", "maxstartups"), 4);
  assert.equal(line("10.6", "maxstartups"), 3);
  assert.equal(line("9.2", "ipqos"), 9); // the Match block's last line
  assert.equal(line("10.0", "ipqos", "alice"), 6); // no Match: the global pass's last line
  assert.equal(line("10.6", "ipqos"), 8);
  assert.equal(line("10.6", "ipqos", "alice"), 5);
});

test("explain names the losing lines with the rule of the release", () => {
  assert.equal(
    explainServerConfig(resolve("9.2"), "MaxStartups").text,
    'MaxStartups 7:20:9 from sshd_config line 4\n  ignored: sshd_config line 3 "MaxStartups 5" (the last value wins for this keyword in this release)',
  );
  assert.equal(
    explainServerConfig(resolve("10.6"), "MaxStartups").text,
    'MaxStartups 5 from sshd_config line 3\n  ignored: sshd_config line 4 "MaxStartups 7:20:9" (the first value wins)',
  );
});
