/**
 * Compares one real `ssh -G` result with tsalive's resolver and printer (integration helper for the
 * per-release differential suites): the same verdict, ssh's messages, and, when ssh succeeds, its whole output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PEERS } from "@tsalive/test-support";
import {
  type ClientArgument,
  ConfigError,
  type ConfigFileSystem,
  formatClientConfig,
  type OpenSshVersion,
  resolveClientConfig,
} from "../src/index.ts";
import { nodeExec, nodeFileSystem, nodeLocalAddresses } from "../src/node.ts";
import { GENERATION_OF, type OracleResult } from "./_oracle.ts";

/** How OpenSSH's log prints a message (strnvis VIS_SAFE|VIS_OCTAL): `\\` doubled, control bytes as `\ooo`. */
function vis(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what vis encodes
  return text.replace(/[\\\x00-\x06\x0b\x0c\x0e-\x1f\x7f]/g, (c) =>
    c === "\\" ? "\\\\" : `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`,
  );
}

/**
 * The real file system, but `/etc/services` as the oracle's machine has it: the Debian roots have none, so there
 * getservbyname knows no names (`Port ssh` is a bad port), and the resolver must see that file, not the host's.
 */
function oracleFileSystem(version: OpenSshVersion): ConfigFileSystem {
  const generation = GENERATION_OF[version];
  if (PEERS[generation].host) return nodeFileSystem;
  const root = join(process.env.TSALIVE_ROOTS ?? "/var/cache/tsalive/roots", generation);
  return {
    ...nodeFileSystem,
    readFile: (path) =>
      path === "/etc/services" ? (nodeFileSystem.readFile(join(root, path)) ?? "") : nodeFileSystem.readFile(path),
  };
}

/** ssh's `-l`, `-p`, `-i` and `-o` arguments, in order. */
export function commandLine(args: readonly string[], options: readonly string[]): ClientArgument[] {
  const out: ClientArgument[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[++i] ?? "";
    if (flag === "-l") out.push({ kind: "user", user: value });
    else if (flag === "-p") out.push({ kind: "port", port: Number(value) });
    else if (flag === "-i") out.push({ kind: "identityFile", path: value });
    else if (flag === "-o") out.push({ kind: "option", text: value });
    else throw new Error(`fixture argument ${flag} is not supported`);
  }
  return [...out, ...options.map((text) => ({ kind: "option", text }) as const)];
}

export interface OutputComparison {
  readonly label: string;
  readonly version: OpenSshVersion;
  readonly real: OracleResult;
  /** What the fixture says ssh does; omitted when ssh alone decides (fuzzing). */
  readonly expect?: "error" | "ok" | undefined;
  readonly host: string;
  readonly root: string;
  readonly options: readonly string[];
  readonly args: readonly string[];
  readonly exec: boolean;
  readonly home: string;
  readonly localUser: string;
  readonly localHostname: string;
}

export function compareOutputs(c: OutputComparison): void {
  const { label, real } = c;
  const sshFailed = real.status !== 0;
  if (c.expect !== undefined) {
    assert.equal(
      sshFailed,
      c.expect === "error",
      `${label}: fixture says ${c.expect}, ssh says rc ${real.status}: ${real.stderr}`,
    );
  }
  const resolve = (strict: boolean) =>
    resolveClientConfig({
      openssh: c.version,
      strict,
      host: c.host,
      localUser: c.localUser,
      home: c.home,
      environment: { HOME: `${c.root}/home` },
      localAddresses: nodeLocalAddresses(),
      localHostname: c.localHostname,
      uid: process.getuid?.() ?? 0,
      cwd: c.root,
      configFile: `${c.root}/config`,
      commandLine: commandLine(c.args, c.options),
      fs: oracleFileSystem(c.version),
      ...(c.exec ? { exec: nodeExec } : {}),
    });
  // strict: OpenSSH's exact verdict, so the extension keywords are refused where ssh refuses them.
  let ours: ReturnType<typeof resolveClientConfig> | undefined;
  let error: unknown;
  try {
    ours = resolve(true);
  } catch (caught) {
    error = caught;
  }
  if (sshFailed) {
    assert.ok(error instanceof ConfigError, `${label}: ssh failed (${real.stderr.trim()}) but we resolved`);
    if (error.code !== "CONFIG_INCLUDE_LOOP") {
      for (const issue of error.errors) {
        if (issue.keyword?.toLowerCase() === "heartbeat") continue; // ssh does not check what IgnoreUnknown covers
        for (const line of issue.message.split("\n")) {
          if ([...line].every((ch) => ch.charCodeAt(0) < 0x80)) {
            assert.ok(
              real.stderr.includes(vis(line)),
              `${label}: ssh did not print ${JSON.stringify(line)}:\n${real.stderr}`,
            );
          }
        }
      }
    }
    return;
  }
  // The one intended difference: ssh ignores any Heartbeat value IgnoreUnknown covers; tsalive reads and checks it.
  if (error instanceof ConfigError && error.errors.every((issue) => issue.keyword?.toLowerCase() === "heartbeat"))
    return;
  if (error) throw new Error(`${label}: ssh resolved but we failed: ${String(error)}`, { cause: error });
  assert.ok(ours);
  assert.equal(formatClientConfig(ours, { extensions: false }), real.stdout, `${label}: ssh -G output`);
  // Default (not strict): the same file reads the same, and Heartbeat is read in place.
  const lenient = resolve(false);
  assert.equal(formatClientConfig(lenient, { extensions: false }), real.stdout, `${label}: ssh -G output (not strict)`);
}
