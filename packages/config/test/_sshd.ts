/**
 * Runs the real `sshd -T` and resolveServerConfig on the same files and compares them (integration helper for the
 * server differential suite). sshd gets a throwaway host key through `-o HostKey=`, and needs /run/sshd.
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
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ConfigError,
  convtime,
  parseChannelTimeoutEntry,
  type ResolvedServerConfig,
  resolveServerConfig,
  SERVER_KEYWORDS,
  type ServerConnection,
  serverWinner,
} from "../src/index.ts";
import { nodeFileSystem } from "../src/node.ts";

export const SSHD = "/usr/sbin/sshd";
/** `sshd -T` runs as any user (it only reads the files); the host key is the caller's own. */
export const haveSshd: boolean = existsSync(SSHD);

export interface ServerFixture {
  readonly name: string;
  readonly connections: readonly string[];
  readonly options: readonly string[];
  readonly expect: "error" | "ok";
  readonly files: ReadonlyMap<string, string>;
}

export function readServerFixture(path: string, name: string): ServerFixture {
  const text = readFileSync(path, "utf8");
  const [header = "", ...parts] = text.split(/^--- /m);
  const connections: string[] = [];
  const options: string[] = [];
  let expect: "error" | "ok" = "ok";
  for (const line of header.split("\n")) {
    const [directive, ...rest] = line.split(" ");
    const value = rest.join(" ");
    if (directive === "@conn") connections.push(value);
    else if (directive === "@option") options.push(value);
    else if (directive === "@expect") expect = value === "error" ? "error" : "ok";
  }
  if (connections.length === 0) throw new Error(`${name}: no @conn`);
  const files = new Map<string, string>();
  for (const part of parts) {
    const newline = part.indexOf("\n");
    files.set(part.slice(0, newline).trim(), part.slice(newline + 1));
  }
  return { name, connections, options, expect, files };
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
  return connection as ServerConnection;
}

export function sshdT(root: string, spec: string, options: readonly string[]) {
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
  const result = spawnSync(SSHD, args, {
    env: { PATH: "/usr/sbin:/usr/bin:/bin", LC_ALL: "C" },
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
}

/** Asserts that sshd -T and resolveServerConfig agree on error/no-error, messages and every typed value. */
export function compareWithSshd({ label, root, spec, options, expect }: ServerComparison): void {
  const real = sshdT(root, spec, options);
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
      fs: nodeFileSystem,
      extensions: null,
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
  assert.equal(v.tcpKeepAlive ? "yes" : "no", one("tcpkeepalive"), `${label}: tcpkeepalive`);
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
  const absolute = raw.toLowerCase() === "none" || raw.startsWith("/") || raw.startsWith("~") ? raw : `${root}/${raw}`;
  assert.equal(absolute, one("banner"), `${label}: banner`);
  // Every other flag, integer and time keyword set in the file: the winning line is the value sshd prints.
  for (const key of ours.resolution.settings.keys()) {
    const row = SERVER_KEYWORDS.get(key);
    const printed = one(key);
    const chosen = serverWinner(ours.resolution, key);
    if (!row || printed === undefined || !chosen || !["flag", "int", "time"].includes(row.kind)) continue;
    const arg = chosen.args[0] ?? "";
    const expected =
      row.kind === "flag" ? arg.toLowerCase() : row.kind === "time" ? String(convtime(arg)) : String(Number(arg));
    assert.equal(expected, printed, `${label}: ${key}`);
  }
  const open = ours.resolution.settings.get("permitopen")?.assignments;
  const openWinner = open?.find((a) => a.pass === 2) ?? open?.find((a) => a.pass === 1);
  assert.equal(openWinner?.args.join(" ") ?? "any", one("permitopen"), `${label}: permitopen`);
}
