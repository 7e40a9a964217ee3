/**
 * Integration (real peers on loopback): every access rule tried against the real OpenSSH `sshd` and against
 * tsalive-sshd, started on the same sshd_config, with OpenSSH's `ssh` as the client and throwaway users. Each
 * case must give the same accept or deny on both, the same output where it has one, and the same log line where
 * sshd logs one (the pattern is checked in both logs, so it is sshd's wording and not ours that is pinned).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  type Generation,
  generateKey,
  type KeyPair,
  makeTempDir,
  PEERS,
  skipUnlessGeneration,
  skipUnlessPeers,
  stopAll,
  type TempDir,
  withTimeout,
} from "@tsalive/test-support";
import { loadPty } from "../src/pty.ts";
import {
  createGroup,
  createUser,
  type Pair,
  type RunningPeer,
  runSsh,
  type SshResult,
  startPair,
  startPongServer,
  type TestUser,
} from "./_differential.ts";

after(stopAll);

const rootOnly = process.getuid?.() === 0 ? false : "needs root (throwaway users, sshd)";
const skip = skipUnlessPeers("ssh", "sshd") || rootOnly;
const tag = `t${process.pid % 100000}`;

interface World {
  dir: TempDir;
  hostKey: KeyPair;
  /** `ann`: in group G; `bob`: not. */
  ann: TestUser;
  bob: TestUser;
  group: string;
  /** The shared group's gid (ann and bob are in it). */
  groupId: number;
  key: KeyPair;
  other: KeyPair[];
  pong: number;
  /** Where root's keys go (AuthorizedKeysFile DIR/keys/%u, StrictModes no): /root is never touched. */
  keysDir: string;
}

let world: World;

/** One attempt: its configuration, the key lines, who logs in with which keys, and what both servers must do. */
interface Case {
  readonly name: string;
  readonly config?: (w: World) => string[];
  /** ann's authorized_keys (default: her key, plain). */
  readonly keys?: (w: World) => string;
  /** Who logs in: ann (default), bob, or a name as given (root, an unknown user). */
  readonly user?: "ann" | "bob" | "root" | "nobody-such";
  readonly identities?: (w: World) => KeyPair[];
  /** ssh options before the destination. */
  readonly args?: (w: World) => string[];
  /** The remote command; default `echo ok`, `null` for none (`-W`). */
  readonly command?: string | null;
  readonly env?: Record<string, string>;
  readonly prepare?: (w: World) => void;
  /** Undoes what `prepare` changed outside the homes (an account's shell or password). */
  readonly cleanup?: (w: World) => void;
  readonly expect: "accept" | "deny";
  /** Exact stdout both must print. */
  readonly stdout?: string;
  /** Exact stderr both must print. */
  readonly stderr?: string;
  /** Lines both logs must have. */
  readonly logs?: (w: World) => RegExp[];
}

const plain = (w: World) => `${w.key.publicKey}\n`;
const withOptions = (options: string) => (w: World) => `${options} ${w.key.publicKey}\n`;
const re = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/PORT/g, "[0-9]+"));
/** `ssh -W 127.0.0.1:PORT`: a direct-tcpip channel to the pong server, stdin and stdout through it. */
const forward = { args: (w: World) => ["-W", `127.0.0.1:${w.pong}`], command: null } as const;

const CASES: readonly Case[] = [
  { name: "a plain key logs in", expect: "accept", stdout: "ok\n" },
  {
    name: "from= that does not match the address",
    keys: withOptions('from="10.0.0.0/8"'),
    expect: "deny",
    logs: (w) => [
      re(
        `${w.ann.home}/.ssh/authorized_keys:1: Authentication tried for ${w.ann.name} with correct key but not from a permitted host (host=127.0.0.1, ip=127.0.0.1, required=10.0.0.0/8).`,
      ),
    ],
  },
  { name: "from= that matches (CIDR)", keys: withOptions('from="127.0.0.0/8"'), expect: "accept", stdout: "ok\n" },
  {
    name: "from= with a negation that matches",
    keys: withOptions('from="127.0.0.*,!127.0.0.1"'),
    expect: "deny",
  },
  {
    name: "command= replaces the client's command, SSH_ORIGINAL_COMMAND has it",
    keys: withOptions('command="echo forced $SSH_ORIGINAL_COMMAND"'),
    command: "asked",
    expect: "accept",
    stdout: "forced asked\n",
    logs: (w) => [
      re(
        `Starting session: forced-command (key-option) 'echo forced $SSH_ORIGINAL_COMMAND' for ${w.ann.name} from 127.0.0.1 port PORT id 0`,
      ),
    ],
  },
  {
    name: 'option names are case-insensitive and \\" quotes inside a value',
    keys: withOptions('NO-PTY,Command="echo \\"a,b\\""'),
    expect: "accept",
    stdout: "a,b\n",
  },
  {
    name: "an unknown option refuses the line",
    keys: withOptions("no-such-option"),
    expect: "deny",
    logs: (w) => [re(`${w.ann.home}/.ssh/authorized_keys:1: bad key options: unknown key option`)],
  },
  {
    name: "a quote left open refuses the line",
    keys: withOptions('command="echo'),
    expect: "deny",
  },
  {
    name: "a cert-authority line is not a plain key",
    keys: withOptions("cert-authority"),
    expect: "deny",
  },
  {
    name: "expiry-time in the past",
    keys: withOptions('expiry-time="20000101"'),
    expect: "deny",
    logs: (w) => [re(`${w.ann.home}/.ssh/authorized_keys:1: entry expired at 2000-01-01T00:00:00`)],
  },
  { name: "expiry-time in the future", keys: withOptions('expiry-time="29991231Z"'), expect: "accept", stdout: "ok\n" },
  {
    name: "no-pty: a pty is refused, the command still runs",
    keys: withOptions("no-pty"),
    args: () => ["-tt"],
    command: "tty || true",
    // ssh -tt gives up when the pty is refused, on both.
    expect: "deny",
    stderr: "PTY allocation request failed on channel 0\r\n",
    logs: () => [/Allocating a pty not permitted for this connection\./],
  },
  {
    name: "restrict: no pty either",
    keys: withOptions("restrict"),
    args: () => ["-tt"],
    command: "tty || true",
    // ssh -tt gives up when the pty is refused, on both.
    expect: "deny",
    stderr: "PTY allocation request failed on channel 0\r\n",
  },
  {
    name: "PermitTTY no",
    config: () => ["PermitTTY no"],
    args: () => ["-tt"],
    command: "tty || true",
    // ssh -tt gives up when the pty is refused, on both.
    expect: "deny",
    stderr: "PTY allocation request failed on channel 0\r\n",
  },
  {
    name: "environment= is ignored without PermitUserEnvironment",
    keys: withOptions('environment="FOO=from-key"'),
    command: 'echo x"$FOO"x',
    expect: "accept",
    stdout: "xx\n",
  },
  {
    name: "environment= with PermitUserEnvironment yes, and it may replace PATH",
    config: () => ["PermitUserEnvironment yes"],
    keys: withOptions('environment="FOO=from-key",environment="PATH=/opt/x:/usr/bin:/bin"'),
    command: "echo $FOO $PATH",
    expect: "accept",
    stdout: "from-key /opt/x:/usr/bin:/bin\n",
  },
  {
    name: "PermitUserEnvironment with a pattern list",
    config: () => ["PermitUserEnvironment FOO*"],
    keys: withOptions('environment="FOO1=a",environment="BAR=b"'),
    command: 'echo x"$FOO1"x"$BAR"x',
    expect: "accept",
    stdout: "xaxx\n",
  },
  {
    name: "AcceptEnv lets LC_* in, but never PATH, HOME, SHELL, USER or LOGNAME",
    config: () => ["AcceptEnv LC_* PATH HOME SHELL USER LOGNAME"],
    args: () => ["-o", "SendEnv=LC_TEST PATH HOME SHELL USER LOGNAME"],
    command: "echo $LC_TEST $PATH $HOME $SHELL $USER $LOGNAME",
    env: {
      LC_TEST: "sent",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: "/evil",
      SHELL: "/evil",
      USER: "evil",
      LOGNAME: "evil",
    },
    expect: "accept",
    stdout: "", // filled in by the test from ann's account
  },
  {
    name: "a variable AcceptEnv does not list is refused",
    args: () => ["-o", "SendEnv=LC_TEST"],
    command: 'echo x"$LC_TEST"x',
    env: { LC_TEST: "sent" },
    expect: "accept",
    stdout: "xx\n",
  },
  {
    name: "SetEnv sets variables and may replace PATH",
    config: () => ["SetEnv FOO=set PATH=/opt/y:/usr/bin:/bin FOO=second"],
    command: "echo $FOO $PATH",
    expect: "accept",
    stdout: "set /opt/y:/usr/bin:/bin\n",
  },
  {
    name: "SetEnv TERM wins over the pty's TERM",
    config: () => ["SetEnv TERM=set-by-admin"],
    args: () => ["-tt"],
    command: "echo $TERM",
    expect: "accept",
    stdout: "set-by-admin\r\n",
  },
  {
    name: "ForceCommand, which wins over command=",
    config: () => ["ForceCommand echo config $SSH_ORIGINAL_COMMAND"],
    keys: withOptions('command="echo key"'),
    command: "asked",
    expect: "accept",
    stdout: "config asked\n",
    logs: (w) => [
      re(
        `Starting session: forced-command (config) 'echo config $SSH_ORIGINAL_COMMAND' for ${w.ann.name} from 127.0.0.1 port PORT id 0`,
      ),
    ],
  },
  {
    name: "ForceCommand replaces what a configured Subsystem runs",
    config: () => ["Subsystem sftp /usr/lib/openssh/sftp-server", "ForceCommand echo forced $SSH_ORIGINAL_COMMAND"],
    args: () => ["-s"],
    command: "sftp",
    expect: "accept",
    stdout: "forced /usr/lib/openssh/sftp-server\n",
  },
  {
    name: "ForceCommand in Match User",
    config: (w) => [`Match User ${w.ann.name}`, "  ForceCommand echo matched"],
    expect: "accept",
    stdout: "matched\n",
  },
  {
    name: "StrictModes: ~/.ssh writable by another user's group",
    config: () => ["StrictModes yes"],
    prepare: (w) => {
      chownSync(`${w.ann.home}/.ssh`, w.ann.uid, w.bob.gid);
      chmodSync(`${w.ann.home}/.ssh`, 0o770);
    },
    expect: "deny",
    logs: (w) => [re(`Authentication refused: bad ownership or modes for directory ${w.ann.home}/.ssh`)],
  },
  {
    name: "StrictModes: a world-writable authorized_keys",
    config: () => ["StrictModes yes"],
    prepare: (w) => chmodSync(`${w.ann.home}/.ssh/authorized_keys`, 0o646),
    expect: "deny",
    logs: (w) => [re(`Authentication refused: bad ownership or modes for file ${w.ann.home}/.ssh/authorized_keys`)],
  },
  {
    name: "StrictModes: a home writable by her own private group (Debian's user-group-modes)",
    config: () => ["StrictModes yes"],
    prepare: (w) => chmodSync(w.ann.home, 0o775),
    expect: "accept",
    stdout: "ok\n",
  },
  {
    name: "StrictModes: a home writable by a shared group",
    config: () => ["StrictModes yes"],
    prepare: (w) => {
      chownSync(w.ann.home, w.ann.uid, w.groupId);
      chmodSync(w.ann.home, 0o775);
    },
    expect: "deny",
    logs: (w) => [re(`Authentication refused: bad ownership or modes for directory ${w.ann.home}`)],
  },
  { name: "StrictModes: good modes", config: () => ["StrictModes yes"], expect: "accept", stdout: "ok\n" },
  {
    name: "StrictModes no accepts a group-writable ~/.ssh",
    config: () => ["StrictModes no"],
    prepare: (w) => chmodSync(`${w.ann.home}/.ssh`, 0o770),
    expect: "accept",
    stdout: "ok\n",
  },
  {
    name: "authorized_keys is a FIFO: refused, nothing blocks",
    prepare: (w) => {
      unlinkSync(`${w.ann.home}/.ssh/authorized_keys`);
      mkfifo(`${w.ann.home}/.ssh/authorized_keys`);
    },
    expect: "deny",
    logs: (w) => [
      re(`User '${w.ann.name}' authorized keys '${w.ann.home}/.ssh/authorized_keys' is not a regular file`),
    ],
  },
  {
    name: "authorized_keys is a symlink to a device",
    prepare: (w) => {
      unlinkSync(`${w.ann.home}/.ssh/authorized_keys`);
      symlinkSync("/dev/zero", `${w.ann.home}/.ssh/authorized_keys`);
    },
    expect: "deny",
    logs: (w) => [
      re(`User '${w.ann.name}' authorized keys '${w.ann.home}/.ssh/authorized_keys' is not a regular file`),
    ],
  },
  {
    name: "authorized_keys the user cannot read (sshd opens it as the user)",
    config: () => ["StrictModes no"],
    prepare: (w) => {
      chownSync(`${w.ann.home}/.ssh/authorized_keys`, 0, 0);
      chmodSync(`${w.ann.home}/.ssh/authorized_keys`, 0o600);
    },
    expect: "deny",
    logs: (w) => [
      re(`Could not open user '${w.ann.name}' authorized keys '${w.ann.home}/.ssh/authorized_keys': Permission denied`),
    ],
  },
  { name: "AuthorizedKeysFile none", config: () => ["AuthorizedKeysFile none"], expect: "deny" },
  {
    name: "AuthorizedKeysFile none, then a real one",
    config: () => ["AuthorizedKeysFile none .ssh/authorized_keys"],
    expect: "accept",
    stdout: "ok\n",
  },
  ...(["yes", "prohibit-password", "without-password"] as const).map(
    (value): Case => ({
      name: `PermitRootLogin ${value}`,
      config: (w) => [`PermitRootLogin ${value}`, `AuthorizedKeysFile ${w.keysDir}/%u`, "StrictModes no"],
      user: "root",
      expect: "accept",
      stdout: "ok\n",
    }),
  ),
  {
    name: "PermitRootLogin no",
    config: (w) => ["PermitRootLogin no", `AuthorizedKeysFile ${w.keysDir}/%u`, "StrictModes no"],
    user: "root",
    expect: "deny",
    logs: () => [re("ROOT LOGIN REFUSED FROM 127.0.0.1 port PORT")],
  },
  {
    name: "PermitRootLogin forced-commands-only without command=",
    config: (w) => ["PermitRootLogin forced-commands-only", `AuthorizedKeysFile ${w.keysDir}/%u`, "StrictModes no"],
    user: "root",
    expect: "deny",
    logs: () => [re("ROOT LOGIN REFUSED FROM 127.0.0.1 port PORT")],
  },
  {
    name: "PermitRootLogin forced-commands-only with command=",
    config: (w) => ["PermitRootLogin forced-commands-only", `AuthorizedKeysFile ${w.keysDir}/%u`, "StrictModes no"],
    prepare: (w) => writeFileSync(`${w.keysDir}/root`, `command="echo root-forced" ${w.key.publicKey}\n`),
    user: "root",
    expect: "accept",
    stdout: "root-forced\n",
    logs: () => [/Root login accepted for forced command\./],
  },
  {
    name: "AllowUsers without the user",
    config: (w) => [`AllowUsers ${w.bob.name}`],
    expect: "deny",
    logs: (w) => [re(`User ${w.ann.name} from 127.0.0.1 not allowed because not listed in AllowUsers`)],
  },
  {
    name: "AllowUsers user@address",
    config: (w) => [`AllowUsers ${w.bob.name} ${w.ann.name}@127.0.0.1`],
    expect: "accept",
    stdout: "ok\n",
  },
  {
    name: "AllowUsers user@network that does not match",
    config: (w) => [`AllowUsers ${w.ann.name}@10.0.0.0/8`],
    expect: "deny",
  },
  {
    name: "AllowUsers with a wildcard, on two lines",
    config: (w) => [`AllowUsers ${w.bob.name}`, `AllowUsers ${w.ann.name.slice(0, 3)}*`],
    expect: "accept",
    stdout: "ok\n",
  },
  {
    name: "DenyUsers",
    config: (w) => [`DenyUsers ${w.ann.name}`],
    expect: "deny",
    logs: (w) => [re(`User ${w.ann.name} from 127.0.0.1 not allowed because listed in DenyUsers`)],
  },
  {
    name: "DenyUsers in Match Address",
    config: (w) => ["Match Address 127.0.0.0/8", `  DenyUsers ${w.ann.name}`],
    expect: "deny",
  },
  { name: "AllowGroups with her group", config: (w) => [`AllowGroups ${w.group}`], expect: "accept", stdout: "ok\n" },
  {
    name: "AllowGroups without her group",
    config: () => ["AllowGroups root"],
    expect: "deny",
    logs: (w) => [
      re(`User ${w.ann.name} from 127.0.0.1 not allowed because none of user's groups are listed in AllowGroups`),
    ],
  },
  {
    name: "DenyGroups",
    config: (w) => [`DenyGroups ${w.group}`],
    expect: "deny",
    logs: (w) => [re(`User ${w.ann.name} from 127.0.0.1 not allowed because a group is listed in DenyGroups`)],
  },
  { name: "a user without keys", user: "bob", expect: "deny" },
  {
    name: "an unknown user",
    user: "nobody-such",
    expect: "deny",
    logs: () => [re("Invalid user nobody-such from 127.0.0.1 port PORT")],
  },
  {
    name: "a locked account (! in /etc/shadow)",
    user: "bob",
    prepare: (w) => {
      w.bob.writeAuthorizedKeys(plain(w));
      usermod(w.bob.name, ["-p", "!*"]);
    },
    cleanup: (w) => usermod(w.bob.name, ["-p", "*"]),
    expect: "deny",
    logs: (w) => [re(`User ${w.bob.name} not allowed because account is locked`)],
  },
  {
    name: "a shell that does not exist",
    user: "bob",
    prepare: (w) => {
      w.bob.writeAuthorizedKeys(plain(w));
      usermod(w.bob.name, ["-s", "/nonexistent/shell"]);
    },
    cleanup: (w) => usermod(w.bob.name, ["-s", "/bin/sh"]),
    expect: "deny",
    logs: (w) => [re(`User ${w.bob.name} not allowed because shell /nonexistent/shell does not exist`)],
  },
  {
    name: "a key that is not authorized: Failed publickey",
    identities: (w) => [w.other[0] as KeyPair],
    expect: "deny",
    logs: (w) => [re(`Failed publickey for ${w.ann.name} from 127.0.0.1 port PORT ssh2: ED25519 SHA256:`)],
  },
  {
    name: "MaxAuthTries 2 with two wrong keys first",
    config: () => ["MaxAuthTries 2"],
    identities: (w) => [...w.other, w.key],
    expect: "deny",
    logs: (w) => [
      re(`maximum authentication attempts exceeded for ${w.ann.name} from 127.0.0.1 port PORT ssh2 [preauth]`),
    ],
  },
  {
    name: "MaxAuthTries 3 with two wrong keys first",
    config: () => ["MaxAuthTries 3"],
    identities: (w) => [...w.other, w.key],
    expect: "accept",
    stdout: "ok\n",
  },
  { name: "MaxSessions 0", config: () => ["MaxSessions 0"], expect: "deny", logs: () => [/no more sessions/] },
  {
    name: "-W (direct-tcpip) is allowed by default",
    ...forward,
    expect: "accept",
    stdout: "pong\n",
  },
  {
    name: "AllowTcpForwarding no refuses -W",
    config: () => ["AllowTcpForwarding no"],
    ...forward,
    expect: "deny",
    logs: (w) => [re(`refused local port forward: originator 127.0.0.1 port 65535, target 127.0.0.1 port ${w.pong}`)],
  },
  {
    name: "AllowTcpForwarding remote refuses -W",
    config: () => ["AllowTcpForwarding remote"],
    ...forward,
    expect: "deny",
  },
  {
    name: "AllowTcpForwarding local allows -W",
    config: () => ["AllowTcpForwarding local"],
    ...forward,
    expect: "accept",
    stdout: "pong\n",
  },
  {
    name: "DisableForwarding yes refuses -W",
    config: () => ["DisableForwarding yes"],
    ...forward,
    expect: "deny",
  },
  {
    name: "no-port-forwarding refuses -W",
    keys: withOptions("no-port-forwarding"),
    ...forward,
    expect: "deny",
  },
  {
    name: "restrict,port-forwarding allows -W again",
    keys: withOptions("restrict,port-forwarding"),
    ...forward,
    expect: "accept",
    stdout: "pong\n",
  },
  {
    name: "permitopen= to another port refuses -W",
    keys: (w) => `permitopen="127.0.0.1:${w.pong + 1 === 65536 ? 1 : w.pong + 1}" ${w.key.publicKey}\n`,
    ...forward,
    expect: "deny",
    logs: (w) => [
      re(
        `Received request from 127.0.0.1 port PORT to connect to host 127.0.0.1 port ${w.pong}, but the request was denied.`,
      ),
    ],
  },
  {
    name: "permitopen= to that port allows -W",
    keys: (w) => `permitopen="127.0.0.1:${w.pong}" ${w.key.publicKey}\n`,
    ...forward,
    expect: "accept",
    stdout: "pong\n",
  },
  {
    name: "PermitOpen none refuses -W",
    config: () => ["PermitOpen none"],
    ...forward,
    expect: "deny",
  },
  {
    name: "PermitOpen host:* allows -W",
    config: () => ["PermitOpen 127.0.0.1:*"],
    ...forward,
    expect: "accept",
    stdout: "pong\n",
  },
  {
    name: "PermitOpen in Match User to another host refuses -W",
    config: (w) => [`Match User ${w.ann.name}`, "  PermitOpen 10.0.0.1:22"],
    ...forward,
    expect: "deny",
  },
];

function usermod(name: string, args: readonly string[]): void {
  const result = spawnSync("usermod", [...args, name], { encoding: "utf8", timeout: 10_000 });
  if (result.status !== 0) throw new Error(`usermod ${args.join(" ")} ${name}: ${result.stderr}`);
}

function mkfifo(path: string): void {
  spawnSync("mkfifo", [path], { timeout: 5000 });
}

function outcome(result: SshResult, c: Case): "accept" | "deny" {
  if (c.command === null) return result.stdout === "pong\n" ? "accept" : "deny";
  return result.status === 0 ? "accept" : "deny";
}

async function attempt(server: RunningPeer, c: Case, w: World): Promise<SshResult> {
  const user = c.user === "bob" ? w.bob.name : c.user === undefined ? w.ann.name : c.user;
  const identities = c.identities?.(w) ?? [w.key];
  const command = c.command === null ? undefined : (c.command ?? "echo ok");
  return runSsh(server.port, user, identities, c.args?.(w) ?? [], command, {
    ...(c.env !== undefined && { env: { ...process.env, ...c.env } }),
  });
}

/** Runs one case against the pair: the same outcome, output and log lines from both, or the assertion says which. */
async function runCase(c: Case, w: World, generation: Generation): Promise<void> {
  w.ann.writeAuthorizedKeys((c.keys ?? plain)(w));
  chownSync(w.ann.home, w.ann.uid, w.ann.gid);
  chmodSync(w.ann.home, 0o755);
  w.bob.writeAuthorizedKeys("");
  writeFileSync(`${w.keysDir}/root`, `${w.key.publicKey}\n`);
  c.prepare?.(w);
  let pair: Pair | undefined;
  try {
    pair = await startPair(w.dir, w.hostKey, c.config?.(w) ?? [], generation);
    const real = await attempt(pair.sshd, c, w);
    const ours = await attempt(pair.tsalive, c, w);
    const detail = () =>
      `sshd: ${JSON.stringify(real)}\n${pair?.sshd.log()}\ntsalive-sshd: ${JSON.stringify(ours)}\n${pair?.tsalive.log()}`;
    assert.equal(outcome(real, c), c.expect, `sshd did not ${c.expect}\n${detail()}`);
    assert.equal(outcome(ours, c), c.expect, `tsalive-sshd did not ${c.expect}\n${detail()}`);
    const stdout = c.name.startsWith("AcceptEnv lets")
      ? `sent /usr/local/bin:/usr/bin:/bin:/usr/games ${w.ann.home} /bin/sh ${w.ann.name} ${w.ann.name}\n`
      : c.stdout;
    if (stdout !== undefined) {
      assert.equal(real.stdout, stdout, `sshd's output\n${detail()}`);
      assert.equal(ours.stdout, stdout, `tsalive-sshd's output\n${detail()}`);
    }
    if (c.stderr !== undefined) {
      assert.equal(real.stderr, c.stderr, `sshd's stderr\n${detail()}`);
      assert.equal(ours.stderr, c.stderr, `tsalive-sshd's stderr\n${detail()}`);
    }
    for (const pattern of c.logs?.(w) ?? []) {
      assert.ok(await pair.sshd.waitForLog(pattern), `sshd's log lacks ${pattern}\n${detail()}`);
      assert.ok(await pair.tsalive.waitForLog(pattern), `tsalive-sshd's log lacks ${pattern}\n${detail()}`);
    }
  } finally {
    await pair?.stop();
    c.cleanup?.(w);
  }
}

// The world every suite below shares: throwaway users, keys and the pong server, made once.
before(() => {
  if (skip) return;
  const dir = makeTempDir(`tsalive-access-`);
  // Users must reach their homes inside it (sshd opens authorized_keys as the user).
  chmodSync(dir.path, 0o755);
  const group = `${tag}g`;
  createGroup(group);
  const ann = createUser(`${tag}ann`, dir.join("ann"), [group]);
  const bob = createUser(`${tag}bob`, dir.join("bob"), [group]);
  const keysDir = dir.join("keys");
  mkdirSync(keysDir, { mode: 0o755 });
  world = {
    dir,
    hostKey: generateKey(dir.join("host_key")),
    ann,
    bob,
    group,
    groupId: Number(spawnSync("getent", ["group", group], { encoding: "utf8" }).stdout.split(":")[2]),
    key: generateKey(dir.join("ann_key")),
    other: [generateKey(dir.join("other1")), generateKey(dir.join("other2"))],
    pong: 0,
    keysDir,
  };
});
before(async () => {
  if (skip) return;
  world.pong = (await startPongServer()).port;
});

describe("access rules: the real sshd and tsalive-sshd decide alike", { skip }, () => {
  for (const c of CASES) {
    const pty = c.args?.({} as World).includes("-tt") === true && c.expect === "accept";
    it(c.name, { skip: pty && !("spawn" in loadPty()) ? "node-pty is not built here" : false }, () =>
      runCase(c, world, "bookworm"),
    );
  }

  it("MaxStartups 1: a second unauthenticated connection is dropped, in sshd's words", async () => {
    world.ann.writeAuthorizedKeys(plain(world));
    const pair = await startPair(world.dir, world.hostKey, ["MaxStartups 1"]);
    const held: Socket[] = [];
    try {
      for (const server of [pair.sshd, pair.tsalive]) {
        const socket = connect(server.port, "127.0.0.1");
        socket.on("error", () => undefined);
        held.push(socket);
        // Its banner: it is being served (and counted) now.
        await withTimeout(new Promise((resolve) => socket.once("data", resolve)), 10_000, `${server.name}'s banner`);
        const result = await runSsh(server.port, world.ann.name, [world.key], [], "echo ok");
        assert.notEqual(result.status, 0, `${server.name} let a second connection in: ${JSON.stringify(result)}`);
        assert.ok(
          await server.waitForLog(
            /drop connection #1 from \[127\.0\.0\.1\]:[0-9]+ on \[127\.0\.0\.1\]:[0-9]+ past MaxStartups/,
          ),
          `${server.name}: ${server.log()}`,
        );
        assert.ok(await server.waitForLog(/beginning MaxStartups throttling/), server.log());
        socket.destroy();
      }
      // Once the held connection is gone, logins work again on both.
      for (const server of [pair.sshd, pair.tsalive]) {
        const ok = await runSsh(server.port, world.ann.name, [world.key], [], "echo ok");
        assert.equal(ok.stdout, "ok\n", `${server.name} after the drop: ${JSON.stringify(ok)}\n${server.log()}`);
      }
    } finally {
      for (const socket of held) socket.destroy();
      await pair.stop();
    }
  });

  it("LoginGraceTime counts from the TCP accept: a silent connection is closed after it on both", async () => {
    const pair = await startPair(world.dir, world.hostKey, ["LoginGraceTime 2"]);
    try {
      const closes = await Promise.all(
        [pair.sshd, pair.tsalive].map(
          (server) =>
            new Promise<number>((resolve) => {
              const started = performance.now();
              const socket = connect(server.port, "127.0.0.1");
              socket.on("error", () => undefined);
              socket.resume(); // read the banner, so the server's FIN is seen
              socket.on("close", () => resolve(performance.now() - started));
              setTimeout(() => socket.destroy(), 8000).unref();
            }),
        ),
      );
      for (const [i, ms] of closes.entries()) {
        const name = i === 0 ? "sshd" : "tsalive-sshd";
        assert.ok(ms >= 1900 && ms < 4000, `${name} closed a silent connection after ${ms.toFixed(0)} ms`);
      }
    } finally {
      await pair.stop();
    }
  });

  it("the configuration is read at start and on SIGHUP, not per connection", async () => {
    world.ann.writeAuthorizedKeys(plain(world));
    const pair = await startPair(world.dir, world.hostKey, []);
    try {
      // Changed on disk: neither server reads it again for a new connection...
      writeFileSync(pair.configFile, `${readFileSync(pair.configFile, "utf8")}DenyUsers ${world.ann.name}\n`);
      for (const server of [pair.sshd, pair.tsalive]) {
        const before = await runSsh(server.port, world.ann.name, [world.key], [], "echo ok");
        assert.equal(before.stdout, "ok\n", `${server.name} read the file again: ${JSON.stringify(before)}`);
      }
      // ...until SIGHUP.
      for (const server of [pair.sshd, pair.tsalive]) {
        process.kill(server.process.pid, "SIGHUP");
        assert.ok(await server.waitForLog(/Received SIGHUP; restarting\./), server.log());
      }
      assert.ok(await pair.sshd.waitForLog(/Server listening on 127\.0\.0\.1 port [0-9]+\.[\s\S]*Server listening/));
      for (const server of [pair.sshd, pair.tsalive]) {
        const denied = await runSsh(server.port, world.ann.name, [world.key], [], "echo ok");
        assert.notEqual(denied.status, 0, `${server.name} after SIGHUP: ${JSON.stringify(denied)}\n${server.log()}`);
        assert.ok(
          await server.waitForLog(re(`User ${world.ann.name} from 127.0.0.1 not allowed because listed in DenyUsers`)),
        );
      }
    } finally {
      await pair.stop();
    }
  });
});

/**
 * The cases that need no throwaway user (the Debian roots of newer OpenSSH have their own /etc/passwd, with root
 * in it), run as root against OpenSSH 10.x: tsalive-sshd follows 9.2, and these rules did not change since.
 */
const ROOT_CASES = new Set([
  "a plain key logs in",
  "from= that does not match the address",
  "command= replaces the client's command, SSH_ORIGINAL_COMMAND has it",
  "an unknown option refuses the line",
  "a cert-authority line is not a plain key",
  "expiry-time in the past",
  // Not "SetEnv … PATH": bash (root's shell) sources ~/.bashrc under sshd, and the host's /root/.bashrc is not the
  // root's, so PATH differs for a reason that is neither server's.
  "ForceCommand, which wins over command=",
  "AuthorizedKeysFile none",
  "PermitRootLogin yes",
  "PermitRootLogin prohibit-password",
  "PermitRootLogin no",
  "PermitRootLogin forced-commands-only without command=",
  "MaxAuthTries 2 with two wrong keys first",
  "MaxAuthTries 3 with two wrong keys first",
  "MaxSessions 0",
  "-W (direct-tcpip) is allowed by default",
  "AllowTcpForwarding no refuses -W",
  "DisableForwarding yes refuses -W",
  "no-port-forwarding refuses -W",
  "permitopen= to another port refuses -W",
  "PermitOpen none refuses -W",
]);

/**
 * Where a newer sshd decides differently from 9.2 (tsalive-sshd follows 9.2): 10.6 lets a client in with
 * MaxAuthTries 2 after two refused key probes, which 9.2 and 10.0 count as failures.
 */
const CHANGED_SINCE: Record<"trixie" | "forky", readonly string[]> = {
  trixie: [],
  forky: ["MaxAuthTries 2 with two wrong keys first"],
};

for (const generation of ["trixie", "forky"] as const) {
  describe(`access rules as root: OpenSSH ${PEERS[generation].opensshVersion} and tsalive-sshd decide alike`, {
    skip: skip || skipUnlessGeneration(generation, "sshd"),
  }, () => {
    let rootWorld: World;
    before(() => {
      // root's keys in DIR/roothome/.ssh/authorized_keys (AuthorizedKeysFile names it; /root is never touched).
      const home = world.dir.join("roothome");
      mkdirSync(home, { recursive: true, mode: 0o755 });
      const root: TestUser = {
        name: "root",
        uid: 0,
        gid: 0,
        home,
        writeAuthorizedKeys(text) {
          mkdirSync(`${home}/.ssh`, { recursive: true, mode: 0o700 });
          writeFileSync(`${home}/.ssh/authorized_keys`, text, { mode: 0o600 });
        },
      };
      rootWorld = { ...world, ann: root };
    });
    for (const c of CASES.filter((k) => ROOT_CASES.has(k.name) && !CHANGED_SINCE[generation].includes(k.name))) {
      const asRoot: Case = {
        ...c,
        user: "root",
        config: (w) => [
          ...(c.config?.(w) ?? []),
          `AuthorizedKeysFile ${w.ann.home}/.ssh/authorized_keys`,
          "StrictModes no",
        ],
      };
      it(c.name, () => runCase(asRoot, rootWorld, generation));
    }
  });
}
