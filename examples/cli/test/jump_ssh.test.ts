/**
 * Differential (real `ssh` of every peer generation, nothing listening): the ProxyJump chain tsalive-ssh builds is the one ssh
 * builds. `ssh -v` logs every proxy command it runs (`Executing proxy command: exec ssh -l U -p P -J REST -F CFG -v
 * -W '[%h]:%p' HOP`), one nested ssh per hop, down to the first hop's own connect attempt, which is refused here; the
 * same lines are rendered from `jumpChain`'s hops and compared whole.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import {
  GENERATIONS,
  type Generation,
  makeTempDir,
  PEERS,
  peerCommand,
  skipUnlessGeneration,
  stopAll,
} from "@tsalive/test-support";
import { parseClientArguments } from "../src/argv.ts";
import { type JumpHop, jumpChain } from "../src/jump.ts";
import { resolveSettings } from "../src/settings.ts";

after(stopAll);
const dir = makeTempDir("tsalive-jump-ssh-");
after(() => dir.remove());
const config = dir.join("ssh_config");
// Loopback addresses with nothing listening on the ports: the innermost ssh is refused at once.
writeFileSync(
  config,
  [
    "Host target",
    "  HostName 127.0.0.9",
    "  ProxyJump a,me@b:2200",
    "Host b",
    "  HostName 127.0.0.8",
    "  ProxyJump ignored",
    "Host a",
    "  HostName 127.0.0.7",
    "  ProxyJump z",
    "Host z",
    "  HostName 127.0.0.1",
    "  Port 1",
    "Host direct",
    "  HostName 127.0.0.6",
    "  ProxyJump none",
    "Host *",
    "  BatchMode yes",
    "  ConnectTimeout 2",
    "",
  ].join("\n"),
);

/** What that generation's ssh -v logs: the proxy commands, outermost first, and the innermost connect. */
function sshLog(generation: Generation, argv: readonly string[]): string[] {
  const [command, ...rest] = peerCommand(generation, ["/usr/bin/ssh", "-v", "-F", config, ...argv, "true"]);
  const run = spawnSync(command, rest, { encoding: "utf8", timeout: 10_000 });
  return run.stderr
    .split("\n")
    .map((line) => line.match(/^debug1: (Executing proxy command: .*|connect to address \S+ port \d+)/)?.[1])
    .filter((line): line is string => line !== undefined)
    .map((line) => line.replace("exec /usr/bin/ssh ", "exec ssh ")); // ssh runs its own argv[0] when it has a '/'
}

/** The same lines from tsalive-ssh's chain (nearest hop first, the target last). */
function ours(generation: Generation, argv: readonly string[]): string[] {
  const args = parseClientArguments(["--openssh", PEERS[generation].openssh, "-F", config, ...argv]);
  const chain = jumpChain(args, resolveSettings(args), resolveSettings);
  const lines: string[] = [];
  for (let index = chain.length - 1; index > 0; index--) {
    const { settings: next } = chain[index] as JumpHop;
    const { settings: hop, commandLine } = chain[index - 1] as JumpHop;
    const flags = commandLine.map((entry) =>
      entry.kind === "user"
        ? ` -l ${entry.user}`
        : entry.kind === "port"
          ? ` -p ${entry.port}`
          : ` -J ${(entry as { text: string }).text.replace(/^ProxyJump=/, "")}`,
    );
    lines.push(
      `Executing proxy command: exec ssh${flags.join("")} -F ${config} -v -W '[${next.hostName}]:${next.port}' ${hop.resolved.values.host}`,
    );
  }
  const first = (chain[0] as JumpHop).settings;
  lines.push(`connect to address ${first.hostName} port ${first.port}`);
  return lines;
}

const CASES = [
  ["target"], // a comma list; the first hop's own ProxyJump followed (a → z), the later one's ignored (b)
  ["-J", "me@127.0.0.5:2201,b", "target"], // -J over the file, with user@host:port
  ["-J", "ssh://u@127.0.0.4:2202", "-l", "other", "-p", "2", "target"], // the target's -l/-p are not the jump's
  ["-J", "direct", "target"], // a jump host whose own ProxyJump is none
  ["-o", "ProxyJump=none", "target"],
];

for (const generation of GENERATIONS) {
  describe(`ProxyJump chains as OpenSSH ${PEERS[generation].opensshVersion}'s ssh builds them`, {
    skip: skipUnlessGeneration(generation, "ssh"),
  }, () => {
    for (const argv of CASES) {
      it(argv.join(" "), () => {
        assert.deepEqual(ours(generation, argv), sshLog(generation, argv));
      });
    }
  });
}
