import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseClientArguments } from "./argv.ts";
import { jumpChain } from "./jump.ts";
import { resolveSettings } from "./settings.ts";

const dir = mkdtempSync(join(tmpdir(), "tsalive-jump-unit-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, "config");
writeFileSync(
  config,
  [
    "Host target",
    "  HostName 10.0.0.9",
    "  ProxyJump a,me@b:2200",
    "Host b",
    "  HostName b.example",
    "  ProxyJump ignored", // -J a on b's command line wins, as in ssh's `ssh -J a -W … b`
    "  ServerAliveInterval 7",
    "Host a",
    "  HostName a.example",
    "  ProxyJump z",
    "Host z",
    "  Port 2022",
    "Host loop",
    "  ProxyJump loop",
    "",
  ].join("\n"),
);

function chainOf(argv: string[]): string[] {
  const args = parseClientArguments(["-F", config, ...argv]);
  return jumpChain(args, resolveSettings(args), resolveSettings).map(
    ({ settings }) => `${settings.user}@${settings.hostName}:${settings.port}`,
  );
}

describe("jumpChain", () => {
  it("resolves each jump as a Host of its own; the first hop's own ProxyJump is followed, later ones' are not", () => {
    const user = resolveSettings(parseClientArguments(["-F", config, "x"])).user;
    assert.deepEqual(chainOf(["target"]), [
      `${user}@z:2022`,
      `${user}@a.example:22`,
      "me@b.example:2200",
      `${user}@10.0.0.9:22`,
    ]);
  });

  it("-J wins over the configuration, and none switches it off", () => {
    const user = resolveSettings(parseClientArguments(["-F", config, "x"])).user;
    // b is the only (so the first) hop: its own ProxyJump, to the host "ignored", is followed.
    assert.deepEqual(chainOf(["-J", "b", "target"]), [
      `${user}@ignored:22`,
      `${user}@b.example:22`,
      `${user}@10.0.0.9:22`,
    ]);
    assert.deepEqual(chainOf(["-o", "ProxyJump=none", "target"]), [`${user}@10.0.0.9:22`]);
  });

  it("refuses a jump to itself, as ssh does", () => {
    // @tsalive/config already refuses it while resolving (ssh's readconf check), with ssh's words.
    assert.throws(() => chainOf(["loop"]), /jumphost loop via loop$/);
  });
});
