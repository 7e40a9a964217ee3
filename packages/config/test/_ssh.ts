/**
 * Runs the real `ssh -G` and resolveClientConfig on the same files and compares them (integration helper for the
 * differential suites). ssh gets HOME set to `ROOT/home`, so no real ~/.ssh is ever read.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { ConfigError, type ResolvedClientConfig, resolveClientConfig } from "../src/index.ts";
import { nodeExec, nodeFileSystem } from "../src/node.ts";

export const SSH = "/usr/bin/ssh";
export const haveSsh: boolean = existsSync(SSH);
const localUser = userInfo().username;

export function sshG(root: string, host: string, options: readonly string[]) {
  const args = ["-G", "-F", join(root, "config"), ...options.flatMap((o) => ["-o", o]), host];
  const result = spawnSync(SSH, args, {
    env: { PATH: "/usr/bin:/bin", HOME: join(root, "home"), LC_ALL: "C" },
    cwd: root,
    encoding: "utf8",
    timeout: 10_000,
  });
  const values = new Map<string, string[]>();
  for (const line of result.stdout.split("\n")) {
    const space = line.indexOf(" ");
    if (space === -1) continue;
    const key = line.slice(0, space);
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1)]);
  }
  return { status: result.status, stderr: result.stderr, values };
}

/** How OpenSSH's log prints a message (strnvis VIS_SAFE|VIS_OCTAL): `\\` doubled, control bytes as `\ooo`. */
function vis(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what vis encodes
  return text.replace(/[\\\x00-\x06\x0b\x0c\x0e-\x1f\x7f]/g, (c) =>
    c === "\\" ? "\\\\" : `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`,
  );
}

export interface Comparison {
  readonly label: string;
  readonly root: string;
  readonly host: string;
  readonly options: readonly string[];
  readonly exec: boolean;
  /** What the fixture says ssh does; omitted when ssh alone decides (fuzzing). */
  readonly expect?: "error" | "ok";
}

/** Asserts that ssh -G and resolveClientConfig agree on error/no-error, messages and every typed value. */
export function compareWithSsh({ label, root, host, options, exec, expect }: Comparison): void {
  const real = sshG(root, host, options);
  const sshFailed = real.status !== 0;
  if (expect !== undefined) {
    assert.equal(
      sshFailed,
      expect === "error",
      `${label}: fixture says ${expect}, ssh says rc ${real.status}: ${real.stderr}`,
    );
  }
  let ours: ResolvedClientConfig | undefined;
  let error: unknown;
  try {
    ours = resolveClientConfig({
      host,
      localUser,
      home: join(root, "home"),
      localHostname: hostname(),
      uid: process.getuid?.() ?? 0,
      cwd: root,
      configFile: join(root, "config"),
      options,
      fs: nodeFileSystem,
      ...(exec ? { exec: nodeExec } : {}),
    });
  } catch (caught) {
    error = caught;
  }
  if (sshFailed) {
    assert.ok(error instanceof ConfigError, `${label}: ssh failed (${real.stderr.trim()}) but we resolved`);
    // Each of our messages is one ssh printed (ssh's log escapes backslashes and control characters).
    if (error.code !== "CONFIG_INCLUDE_LOOP") {
      for (const issue of error.errors) {
        if (issue.keyword?.toLowerCase() === "heartbeat") continue; // ssh does not check what IgnoreUnknown covers
        for (const line of issue.message.split("\n")) {
          // Non-ASCII bytes are escaped too, as octal UTF-8 bytes: only ASCII lines are compared.
          if ([...line].every((c) => c.charCodeAt(0) < 0x80)) {
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
  const v = ours.values;
  const expected = (key: string) => real.values.get(key)?.[0];
  assert.equal(v.host, expected("host"), `${label}: host`);
  assert.equal(v.user, expected("user"), `${label}: user`);
  assert.equal(v.hostName, expected("hostname"), `${label}: hostname`);
  assert.equal(String(v.port), expected("port"), `${label}: port`);
  assert.equal(String(v.serverAliveInterval), expected("serveraliveinterval"), `${label}: serveraliveinterval`);
  assert.equal(String(v.serverAliveCountMax), expected("serveralivecountmax"), `${label}: serveralivecountmax`);
  const timeout = v.connectTimeout === undefined ? "none" : String(v.connectTimeout);
  assert.equal(timeout, expected("connecttimeout"), `${label}: connecttimeout`);
  assert.equal(v.tcpKeepAlive ? "yes" : "no", expected("tcpkeepalive"), `${label}: tcpkeepalive`);
  assert.deepEqual(v.identityFile, real.values.get("identityfile") ?? [], `${label}: identityfile`);
  assert.equal(v.proxyJump, expected("proxyjump"), `${label}: proxyjump`);
}
