/**
 * Runs the real `sshd -T` of each OpenSSH release and resolveServerConfig + formatServerConfig on the same files
 * and compares them, the WHOLE output line for line (integration helper for the server differential suites).
 * 9.2 is the host's sshd; 10.0 and 10.6 run in their Debian roots through test-support's peerCommand, with the
 * fixture's directory as the working directory so relative file names print the same. sshd gets a throwaway host
 * key through `-o HostKey=`, and needs /run/sshd. Outputs are cached within a run.
 *
 * Fixture format (test/fixtures/server/*.case): header lines, then files.
 *
 *   # comment
 *   @conn user=root,host=h,addr=1.2.3.4   one -C test specification (repeatable: each is resolved separately)
 *   @option ClientAliveInterval=5          one -o option (repeatable), after -o HostKey=
 *   @expect error|ok                       what sshd does for every connection (checked against sshd too)
 *   --- sshd_config                        the -f file; other paths are relative to the temp root
 *
 * `${ROOT}` in any text is replaced by the temp root, so absolute Include paths work.
 * `@expect-10.0 error` (or any release) overrides `@expect` for one release; `@since 10.0` runs the fixture only
 * from that release on (for a `-C` spec older releases refuse, such as `invalid-user`).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GENERATIONS, type Generation, PEERS, peerCommand, rootOf } from "@tsalive/test-support";
import { convtime } from "../src/_time.ts";
import type { ConfigFileSystem } from "../src/fs.ts";
import {
  ConfigError,
  formatServerConfig,
  type OpenSshVersion,
  type ResolvedServerConfig,
  resolveServerConfig,
  type ServerConnection,
  serverKeywords,
} from "../src/index.ts";
import { nodeFileSystem } from "../src/node.ts";
import { serverWinner } from "../src/server/_winner.ts";
import { parseChannelTimeoutEntry } from "../src/server/resolve.ts";

/** The system files sshd reads besides the config, which a root has its own of (a root has no /etc/services). */
const SYSTEM_FILES = new Set(["/etc/services", "/etc/passwd", "/etc/group"]);

/** The files as `generation`'s sshd sees them: its root's /etc, the host's /tmp. */
function fileSystemOf(generation: Generation): ConfigFileSystem {
  const root = PEERS[generation].host ? undefined : rootOf(generation);
  if (root === undefined) return nodeFileSystem;
  return {
    // A missing /etc/services would make the resolver fall back to its built-in names; the root has none at all.
    readFile: (path) =>
      SYSTEM_FILES.has(path)
        ? (nodeFileSystem.readFile(join(root, path)) ?? "# none\n")
        : nodeFileSystem.readFile(path),
    readDir: (path) => nodeFileSystem.readDir(path),
  };
}

/** Every release the suites run against, with the generation whose sshd it is. */
export const VERSIONS: readonly { readonly openssh: OpenSshVersion; readonly generation: Generation }[] =
  GENERATIONS.map((generation) => ({ openssh: PEERS[generation].openssh, generation }));

/** Whether `generation`'s sshd can run here (the host's, or a root that exists or can be built). */
export function haveGeneration(generation: Generation): boolean {
  if (!haveSshd) return false;
  if (PEERS[generation].host) return true;
  try {
    return rootOf(generation) !== undefined;
  } catch {
    return false;
  }
}

export const SSHD = "/usr/sbin/sshd";
/** `sshd -T` runs as any user (it only reads the files); the host key is the caller's own. */
export const haveSshd: boolean = existsSync(SSHD);

export interface ServerFixture {
  readonly name: string;
  readonly connections: readonly string[];
  readonly options: readonly string[];
  readonly expect: "error" | "ok";
  /** Per-release overrides of `expect`. */
  readonly expectFor: ReadonlyMap<string, "error" | "ok">;
  /** The first release the fixture runs for. */
  readonly since: OpenSshVersion | undefined;
  readonly files: ReadonlyMap<string, string>;
}

export function readServerFixture(path: string, name: string): ServerFixture {
  const text = readFileSync(path, "utf8");
  const [header = "", ...parts] = text.split(/^--- /m);
  const connections: string[] = [];
  const options: string[] = [];
  let expect: "error" | "ok" = "ok";
  const expectFor = new Map<string, "error" | "ok">();
  let since: OpenSshVersion | undefined;
  for (const line of header.split("\n")) {
    const [directive = "", ...rest] = line.split(" ");
    const value = rest.join(" ");
    if (directive === "@conn") connections.push(value);
    else if (directive === "@option") options.push(value);
    else if (directive === "@expect") expect = value === "error" ? "error" : "ok";
    else if (directive.startsWith("@expect-")) expectFor.set(directive.slice(8), value === "error" ? "error" : "ok");
    else if (directive === "@since") since = value as OpenSshVersion;
  }
  if (connections.length === 0) throw new Error(`${name}: no @conn`);
  const files = new Map<string, string>();
  for (const part of parts) {
    const newline = part.indexOf("\n");
    files.set(part.slice(0, newline).trim(), part.slice(newline + 1));
  }
  return { name, connections, options, expect, expectFor, since, files };
}

/** `user=U,host=H,…` as sshd's parse_server_match_testspec reads it. */
export function parseTestSpec(spec: string): ServerConnection {
  const connection: Record<string, string | number> = {};
  for (const part of spec.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === "user") connection.user = value;
    else if (key === "host") connection.host = value;
    else if (key === "addr") connection.address = value;
    else if (key === "laddr") connection.localAddress = value;
    else if (key === "lport") connection.localPort = Number(value);
    else if (key === "rdomain") connection.rdomain = value;
  }
  const result = connection as ServerConnection;
  return spec.split(",").includes("invalid-user") ? { ...result, invalidUser: true } : result;
}

const cache = new Map<string, ReturnType<typeof runSshd>>();

/**
 * `sshd -T -f ROOT/sshd_config -o HostKey=ROOT/hostkey -o … -C SPEC` of `generation`, run in ROOT; cached by
 * everything it reads when the configuration is one file (`key`), so repeated fuzz cases cost nothing.
 */
export function sshdT(
  root: string,
  spec: string,
  options: readonly string[],
  generation: Generation = "bookworm",
  key?: string,
) {
  const id = key === undefined ? undefined : JSON.stringify([generation, spec, options, key]);
  const cached = id === undefined ? undefined : cache.get(id);
  if (cached) return cached;
  const result = runSshd(root, spec, options, generation);
  if (id !== undefined) cache.set(id, result);
  return result;
}

function runSshd(root: string, spec: string, options: readonly string[], generation: Generation) {
  try {
    mkdirSync("/run/sshd", { recursive: true }); // what PEERS.md asks for; -T itself does not need it
  } catch {
    // not root: sshd -T still works
  }
  const args = [
    "-T",
    "-f",
    join(root, "sshd_config"),
    "-o",
    `HostKey=${join(root, "hostkey")}`,
    ...options.flatMap((o) => ["-o", o]),
    "-C",
    spec,
  ];
  // The root's sshd starts in "/": cd to the fixture first, as the host's runs with cwd there.
  const [command, ...argv] = PEERS[generation].host
    ? [SSHD, ...args]
    : peerCommand(generation, ["/bin/sh", "-c", 'cd "$0" && exec /usr/sbin/sshd "$@"', root, ...args]);
  const result = spawnSync(command, argv, {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
    cwd: root,
    encoding: "utf8",
    timeout: 10_000,
  });
  const values = new Map<string, string[]>();
  for (const line of result.stdout.split("\n")) {
    const space = line.indexOf(" ");
    if (space === -1) continue;
    const key = line.slice(0, space).toLowerCase();
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1)]);
  }
  return { status: result.status, stderr: result.stderr, stdout: result.stdout, values };
}

/** What sshd -T prints for ListenAddress, computed from our typed values (numeric addresses only). */
function listenLines(resolved: ResolvedServerConfig): string[] {
  const { port, listenAddress } = resolved.values;
  const format = (host: string, p: number) => (host.includes(":") ? `[${host}]:${p}` : `${host}:${p}`);
  if (listenAddress.length === 0) return port.flatMap((p) => [format("::", p), format("0.0.0.0", p)]);
  return listenAddress.flatMap((a) =>
    a.port !== undefined ? [format(a.host, a.port)] : port.map((p) => format(a.host, p)),
  );
}

export interface ServerComparison {
  readonly label: string;
  readonly root: string;
  readonly spec: string;
  readonly options: readonly string[];
  /** What the fixture says sshd does; omitted when sshd alone decides (fuzzing). */
  readonly expect?: "error" | "ok";
  /** The release to compare with (default 9.2, the host's). */
  readonly version?: (typeof VERSIONS)[number];
  /** The configuration's text, when it is one file: the cache key of sshd's output. */
  readonly key?: string;
}

/**
 * Asserts that sshd -T and resolveServerConfig agree on error/no-error and the messages, and, when sshd prints,
 * that formatServerConfig prints sshd's whole output and every typed value is the one sshd printed.
 */
export function compareWithSshd({ label: label0, root, spec, options, expect, version, key }: ServerComparison): void {
  const { openssh, generation } = version ?? { openssh: "9.2" as const, generation: "bookworm" as const };
  const label = `${openssh} ${label0}`;
  const real = sshdT(root, spec, options, generation, key);
  const sshdFailed = real.status !== 0;
  if (expect !== undefined) {
    const says = `${label}: fixture says ${expect}, sshd says rc ${real.status}: ${real.stderr}`;
    assert.equal(sshdFailed, expect === "error", says);
  }
  let ours: ResolvedServerConfig | undefined;
  let error: unknown;
  try {
    ours = resolveServerConfig({
      config: join(root, "sshd_config"),
      options: [`HostKey=${join(root, "hostkey")}`, ...options],
      connection: parseTestSpec(spec),
      fs: fileSystemOf(generation),
      extensions: null,
      openssh,
      strict: true,
    });
  } catch (caught) {
    error = caught;
  }
  if (sshdFailed) {
    assert.ok(error instanceof ConfigError, `${label}: sshd failed (${real.stderr.trim()}) but we resolved`);
    // Every line of our message (each bad line, then sshd's last word) is one sshd printed.
    for (const line of error.message.split("\n")) {
      assert.ok(real.stderr.includes(line), `${label}: sshd did not print ${JSON.stringify(line)}:\n${real.stderr}`);
    }
    return;
  }
  if (error) throw new Error(`${label}: sshd resolved but we failed: ${String(error)}`, { cause: error });
  assert.ok(ours);
  assert.equal(formatServerConfig(ours, { cwd: root }), real.stdout, `${label}: the whole sshd -T output`);
  const v = ours.values;
  const one = (key: string) => real.values.get(key)?.[0];
  assert.deepEqual(v.port.map(String), real.values.get("port"), `${label}: port`);
  assert.deepEqual(listenLines(ours), real.values.get("listenaddress"), `${label}: listenaddress`);
  assert.deepEqual(v.hostKey, real.values.get("hostkey"), `${label}: hostkey`);
  assert.equal(String(v.loginGraceTime), one("logingracetime"), `${label}: logingracetime`);
  assert.equal(String(v.clientAliveInterval), one("clientaliveinterval"), `${label}: clientaliveinterval`);
  assert.equal(String(v.clientAliveCountMax), one("clientalivecountmax"), `${label}: clientalivecountmax`);
  const unused = v.unusedConnectionTimeout === 0 ? "none" : String(v.unusedConnectionTimeout);
  assert.equal(unused, one("unusedconnectiontimeout"), `${label}: unusedconnectiontimeout`);
  const printed = (one("channeltimeout") ?? "none").split(" ").filter((e) => e.toLowerCase() !== "none");
  assert.deepEqual(v.channelTimeout, printed.map(parseChannelTimeoutEntry), `${label}: channeltimeout`);
  const tcp = ["true", "yes", "all"].includes(one("tcpkeepalive") ?? ""); // 10.6: all = the transport too
  assert.equal(v.tcpKeepAlive, tcp, `${label}: tcpkeepalive`);
  assert.equal(v.passwordAuthentication ? "yes" : "no", one("passwordauthentication"), `${label}: password`);
  assert.equal(v.pubkeyAuthentication ? "yes" : "no", one("pubkeyauthentication"), `${label}: pubkey`);
  if (!v.authorizedKeysFile.some((f) => f.startsWith("~"))) {
    assert.equal(v.authorizedKeysFile.join(" "), one("authorizedkeysfile"), `${label}: authorizedkeysfile`);
  }
  // Banner is what the regress scripts read: compare the raw winning value too.
  const banner = ours.resolution.settings.get("banner")?.assignments;
  const winner = banner?.find((a) => a.pass === 2) ?? banner?.find((a) => a.pass === 1);
  // sshd prints a file name made absolute against its working directory (derelativise_path); tsalive keeps it raw.
  const raw = winner?.args[0] ?? "none";
  const absolute =
    raw.toLowerCase() === "none" ? "none" : raw.startsWith("/") || raw.startsWith("~") ? raw : `${root}/${raw}`;
  assert.equal(absolute, one("banner"), `${label}: banner`);
  // Every other flag, integer and time keyword set in the file: the winning line is the value sshd prints.
  for (const key of ours.resolution.settings.keys()) {
    const row = serverKeywords(openssh).get(key);
    const printed = one(key);
    const chosen = serverWinner(ours.resolution, key);
    if (!row || printed === undefined || !chosen || !["flag", "int", "time"].includes(row.kind)) continue;
    const arg = chosen.args[0] ?? "";
    const expected =
      row.kind === "flag" ? arg.toLowerCase() : row.kind === "time" ? String(convtime(arg)) : String(Number(arg));
    const bool = { true: "yes", false: "no" }[printed] ?? printed;
    assert.equal(expected, row.kind === "flag" ? bool : printed, `${label}: ${key}`);
  }
  const open = ours.resolution.settings.get("permitopen")?.assignments;
  const openWinner = open?.find((a) => a.pass === 2) ?? open?.find((a) => a.pass === 1);
  assert.equal(openWinner?.args.join(" ") ?? "any", one("permitopen"), `${label}: permitopen`);
}
