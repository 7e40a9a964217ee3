/**
 * `tsalive-ssh -G --openssh V` against the real `ssh -G` of each release (9.2 on the host, 10.0 and 10.6 in their
 * Debian roots through `peerCommand`): the same exit status, the same stderr and the WHOLE stdout, for the cases
 * issue 12 names (an invalid destination, a relative Include under -F taking `~` from $HOME, the pseudo-terminal
 * message, -l/-p/-i/-o in command-line order) and the seed's `Heartbeat 5` in place. Integration test.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { GENERATIONS, PEERS, peerCommand, skipUnlessGeneration } from "@tsalive/test-support";
import { RUN } from "./_run.ts";

const CWD = fileURLToPath(new URL("..", import.meta.url));

const dir = mkdtempSync("/tmp/tsalive-ssh-G-");
after(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, "home");
mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
writeFileSync(join(home, ".ssh", "inc.conf"), "Port 2299\n", { mode: 0o600 });
writeFileSync(join(home, ".ssh", "key1"), "not a key\n", { mode: 0o600 });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const env = { PATH: "/usr/bin:/bin", HOME: home, LC_ALL: "C" };

function ssh(generation: (typeof GENERATIONS)[number], args: readonly string[], input?: string) {
  const [command, ...rest] = peerCommand(generation, [
    "/usr/bin/env",
    "-i",
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    "/usr/bin/ssh",
    ...args,
  ]);
  return spawnSync(command, rest, { encoding: "utf8", input: input ?? "", timeout: 30_000 });
}

function tsalive(args: readonly string[], input?: string) {
  return spawnSync(process.execPath, [...RUN, ...args], {
    encoding: "utf8",
    cwd: CWD,
    env: { ...process.env, ...env },
    input: input ?? "",
    timeout: 60_000,
  });
}

const cases: { label: string; args: string[]; ours?: string[] }[] = [
  { label: "an empty config", args: ["-F", file("empty", ""), "h"] },
  { label: "a destination with a comma", args: ["-F", file("empty2", ""), "a,b"] },
  { label: "a relative Include under -F takes ~ from $HOME", args: ["-F", file("rel", "Include inc.conf\n"), "h"] },
  { label: "with a command: no pseudo-terminal message", args: ["-F", file("cmd", "Port 2201\n"), "h", "true"] },
  {
    label: "-l, -p, -i and -o in command-line order",
    args: [
      "-F",
      file("order", "User cfg\n"),
      "-o",
      "User=o",
      "-l",
      "l",
      "-p",
      "2202",
      "-o",
      "Port=2203",
      "-i",
      join(home, ".ssh", "key1"),
      "-i",
      join(home, ".ssh", "missing"),
      "baz@h",
    ],
  },
  { label: "a bad value: ssh's message and 255", args: ["-F", file("bad", "ServerAliveInterval soon\n"), "h"] },
];

for (const generation of GENERATIONS) {
  const { openssh } = PEERS[generation];
  describe(`tsalive-ssh -G --openssh ${openssh} against ssh ${openssh}`, {
    skip: skipUnlessGeneration(generation, "ssh"),
  }, () => {
    for (const { label, args } of cases) {
      it(label, () => {
        const real = ssh(generation, ["-G", ...args]);
        const ours = tsalive(["--openssh", openssh, "-G", ...args]);
        assert.equal(ours.status, real.status, `${ours.stderr}\n---\n${real.stderr}`);
        // ssh's log ends its lines with \r\n on stderr; tsalive-ssh's with \n (the text is what is compared).
        assert.equal(ours.stderr, real.stderr.replaceAll("\r\n", "\n"));
        assert.equal(ours.stdout, real.stdout);
      });
    }
    it("the seed's Heartbeat 5 in place: ssh's lines, then heartbeat 5; --strict refuses it as ssh does", () => {
      const seed = file(`seed-${openssh}`, "Host h\n  Heartbeat 5\n  ServerAliveInterval 15\n");
      const shared = file(
        `shared-${openssh}`,
        "IgnoreUnknown Heartbeat\nHost h\n  Heartbeat 5\n  ServerAliveInterval 15\n",
      );
      const real = ssh(generation, ["-G", "-F", shared, "h"]);
      assert.equal(real.status, 0, real.stderr);
      const ours = tsalive(["--openssh", openssh, "-G", "-F", seed, "h"]);
      assert.equal(ours.status, 0, ours.stderr);
      const withoutIgnore = real.stdout.replace(/^ignoreunknown Heartbeat\n/m, "");
      assert.equal(ours.stdout, `${withoutIgnore}heartbeat 5\n`);
      const refused = ssh(generation, ["-G", "-F", seed, "h"]);
      const strict = tsalive(["--openssh", openssh, "--strict", "-G", "-F", seed, "h"]);
      assert.equal(strict.status, refused.status);
      assert.equal(strict.stderr, refused.stderr.replaceAll("\r\n", "\n"));
    });
  });
}

it("-v says once that OpenSSH's ssh would reject the Heartbeat line, and how to share the file", () => {
  const seed = file("seed-v", "Host h\n  Heartbeat 5\n");
  const ours = tsalive(["-v", "-G", "-F", seed, "h"]);
  assert.equal(ours.status, 0, ours.stderr);
  const lines = ours.stderr.split("\n").filter((l) => l.includes("Heartbeat is a tsalive keyword"));
  assert.equal(lines.length, 1, ours.stderr);
  assert.match(lines[0] ?? "", /line 2: .*put "IgnoreUnknown Heartbeat" before it/);
});

it("--openssh takes only the supported releases", () => {
  const ours = tsalive(["--openssh", "9.9", "-G", "h"]);
  assert.equal(ours.status, 255);
  assert.match(ours.stderr, /^--openssh must be one of 9.2, 10.0, 10.6, received "9.9"/);
});
