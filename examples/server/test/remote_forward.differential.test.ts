/**
 * Integration (real peers on loopback): `-R` (tcpip-forward) tried against the real OpenSSH `sshd` and against
 * tsalive-sshd, both started once on one sshd_config whose `Match LocalPort` blocks give each case its own
 * AllowTcpForwarding / DisableForwarding / PermitListen / GatewayPorts, with keys carrying `no-port-forwarding`,
 * `restrict` and `permitlisten=`. OpenSSH's `ssh -o ExitOnForwardFailure=yes -R …` is the client: a refusal is
 * its exit 255, an accepted forward runs a command that probes where the server listens (127.0.0.1 and
 * 127.0.0.2, with `nc -z`). Both servers must give the same outcome, output and log lines.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  findBinary,
  freePort,
  generateKey,
  type KeyPair,
  makeTempDir,
  skipUnlessPeers,
  stopAll,
  type TempDir,
  withTimeout,
} from "@tsalive/test-support";
import ssh2 from "ssh2";
import { createUser, type Pair, runSsh, startPair, startPongServer, type TestUser } from "./_differential.ts";

after(stopAll);

const rootOnly = process.getuid?.() === 0 ? false : "needs root (a throwaway user, sshd)";
const noNc = findBinary("nc") === undefined ? "needs nc (scripts/ensure-peers.sh installs netcat-openbsd)" : false;
if (noNc && process.env.CI === "true") throw new Error(`CI=true never skips: ${noNc}`);
const skip = skipUnlessPeers("ssh", "sshd") || rootOnly || noNc;
const tag = `r${process.pid % 100000}`;

/** One `-R` attempt: the case's block (by name), the key, the spec (`PORT` is a fresh free port) and the verdict. */
interface Case {
  readonly name: string;
  /** sshd_config lines for this case's `Match LocalPort` block; none: the global defaults. */
  readonly block?: readonly string[];
  /** The key's options in authorized_keys (a key of its own per distinct value). */
  readonly keyOptions?: string;
  /** Log in as the throwaway user instead of root (for the low-port rule). */
  readonly asUser?: boolean;
  /** The `-R` argument; `PORT` becomes a free port (or the case's fixed `port`), `PONG` the pong server. */
  readonly spec: string;
  /** A fixed listen port, when the block names it (PermitListen). */
  readonly port?: "fixed";
  readonly expect: "accept" | "deny";
  /** Where the accepted forward listens: exactly these of 127.0.0.1 and 127.0.0.2. */
  readonly listens?: readonly ("127.0.0.1" | "127.0.0.2")[];
  /** Lines both logs must have (`PORT` is the listen port). */
  readonly logs?: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: "allowed by default, on loopback only",
    spec: "PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.1"],
  },
  { name: "AllowTcpForwarding no", block: ["AllowTcpForwarding no"], spec: "PORT:127.0.0.1:PONG", expect: "deny" },
  {
    name: "AllowTcpForwarding local",
    block: ["AllowTcpForwarding local"],
    spec: "PORT:127.0.0.1:PONG",
    expect: "deny",
  },
  {
    name: "AllowTcpForwarding remote",
    block: ["AllowTcpForwarding remote"],
    spec: "PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.1"],
  },
  { name: "DisableForwarding yes", block: ["DisableForwarding yes"], spec: "PORT:127.0.0.1:PONG", expect: "deny" },
  {
    name: "PermitListen with that bare port",
    block: ["PermitListen FIXED"],
    port: "fixed",
    spec: "PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.1"],
  },
  {
    name: "PermitListen with another port",
    block: ["PermitListen FIXED"],
    spec: "PORT:127.0.0.1:PONG",
    expect: "deny",
    logs: [
      "Received request from 127.0.0.1 port ANY to remote forward to host localhost port PORT, but the request was denied.",
    ],
  },
  { name: "PermitListen none", block: ["PermitListen none"], spec: "PORT:127.0.0.1:PONG", expect: "deny" },
  {
    name: "PermitListen localhost:* compares the host asked for (127.0.0.1 is not localhost)",
    block: ["PermitListen localhost:*"],
    spec: "127.0.0.1:PORT:127.0.0.1:PONG",
    expect: "deny",
  },
  {
    name: "GatewayPorts no: * still listens on loopback only",
    block: ["GatewayPorts no"],
    spec: "*:PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.1"],
  },
  {
    name: "GatewayPorts yes: every address, whatever the client asks",
    block: ["GatewayPorts yes"],
    spec: "127.0.0.1:PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.1", "127.0.0.2"],
  },
  {
    name: "GatewayPorts clientspecified: the address asked for",
    block: ["GatewayPorts clientspecified"],
    spec: "127.0.0.2:PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.2"],
  },
  { name: "no-port-forwarding", keyOptions: "no-port-forwarding", spec: "PORT:127.0.0.1:PONG", expect: "deny" },
  { name: "restrict", keyOptions: "restrict", spec: "PORT:127.0.0.1:PONG", expect: "deny" },
  {
    name: "restrict,port-forwarding",
    keyOptions: "restrict,port-forwarding",
    spec: "PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.1"],
  },
  {
    name: 'permitlisten="FIXED" with that port',
    keyOptions: 'permitlisten="FIXED"',
    port: "fixed",
    spec: "PORT:127.0.0.1:PONG",
    expect: "accept",
    listens: ["127.0.0.1"],
  },
  {
    name: 'permitlisten="FIXED" with another port',
    keyOptions: 'permitlisten="FIXED"',
    spec: "PORT:127.0.0.1:PONG",
    expect: "deny",
  },
  { name: "a port below 1024 as a user other than root", asUser: true, spec: "1023:127.0.0.1:PONG", expect: "deny" },
];

/** ChannelTimeout for `forwarded-tcpip` channels, in seconds, on both servers. */
const FORWARDED_TIMEOUT = 2;

interface World {
  dir: TempDir;
  pair: Pair;
  user: TestUser;
  pong: number;
  fixed: number;
  /** Per case with a block: the two ports (sshd's, tsalive-sshd's) its Match LocalPort names. */
  ports: Map<string, { sshd: number; tsalive: number }>;
  /** Per key option text ("" for plain): the key. */
  keys: Map<string, KeyPair>;
}
let world: World;

before(async () => {
  if (skip) return;
  const dir = makeTempDir("tsalive-rfwd-");
  const { chmodSync } = await import("node:fs");
  chmodSync(dir.path, 0o755);
  const user = createUser(`${tag}u`, dir.join("u"));
  const pong = (await startPongServer()).port;
  const fixed = await freePort();
  const keys = new Map<string, KeyPair>();
  for (const options of new Set(["", ...CASES.flatMap((c) => (c.keyOptions === undefined ? [] : [c.keyOptions]))])) {
    keys.set(options, generateKey(dir.join(`key${keys.size}`)));
  }
  const lines = [...keys].map(([options, key]) =>
    `${options.replaceAll("FIXED", String(fixed))} ${key.publicKey}`.trim(),
  );
  const { writeFileSync } = await import("node:fs");
  writeFileSync(dir.join("authorized_keys"), `${lines.join("\n")}\n`);
  user.writeAuthorizedKeys(`${lines.join("\n")}\n`);
  // One port pair per case with a block (the rest share the first ports, where only the globals apply).
  const ports = new Map<string, { sshd: number; tsalive: number }>();
  const sshdPorts = [await freePort()];
  const tsalivePorts = [await freePort()];
  const blocks: string[] = [];
  for (const c of CASES) {
    if (c.block === undefined) continue;
    const pair = { sshd: await freePort(), tsalive: await freePort() };
    ports.set(c.name, pair);
    sshdPorts.push(pair.sshd);
    tsalivePorts.push(pair.tsalive);
    // LocalPort takes one port: the same block for each server's port.
    for (const port of [pair.sshd, pair.tsalive]) {
      blocks.push(`Match LocalPort ${port}`, ...c.block.map((l) => `  ${l.replace("FIXED", String(fixed))}`));
    }
  }
  const config = [
    // root's keys from this file, the user's from their home (sshd reads it as the user).
    `Match User root`,
    `  AuthorizedKeysFile ${dir.join("authorized_keys")}`,
    ...blocks,
  ];
  // Only forwarded channels time out (the -R cases' channels live well under it).
  const globals = ["StrictModes no", `ChannelTimeout forwarded-tcpip=${FORWARDED_TIMEOUT}`];
  const pair = await startPair(dir, generateKey(dir.join("host_key")), [...globals, ...config], "bookworm", {
    sshd: sshdPorts,
    tsalive: tsalivePorts,
  });
  world = { dir, pair, user, pong, fixed, ports, keys };
});

/** One client run of a case against one server: ssh's exit, its output, and the listen port used. */
async function attempt(c: Case, server: "sshd" | "tsalive") {
  const w = world;
  const serverPort = w.ports.get(c.name)?.[server] ?? (server === "sshd" ? w.pair.sshd.port : w.pair.tsalive.port);
  const free = c.port === "fixed" ? w.fixed : await freePort();
  const spec = c.spec.replace("PORT", String(free)).replace("PONG", String(w.pong));
  // [bind:]port:host:hostport: the listen port is the third field from the end.
  const listen = Number(spec.split(":").at(-3));
  const probe = ["127.0.0.1", "127.0.0.2"]
    .map((a) => `nc -z -w 3 ${a} ${listen} && echo "${a} open" || echo "${a} closed"`)
    .join("; ");
  const key = w.keys.get(c.keyOptions ?? "") as KeyPair;
  const result = await runSsh(
    serverPort,
    c.asUser === true ? w.user.name : "root",
    [key],
    ["-o", "ExitOnForwardFailure=yes", "-R", spec],
    probe,
  );
  return { result, listen };
}

describe("-R: the real sshd and tsalive-sshd refuse and listen alike", { skip }, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const real = await attempt(c, "sshd");
      const ours = await attempt(c, "tsalive");
      const detail = () =>
        `sshd: ${JSON.stringify(real.result)}\n${world.pair.sshd.log().slice(-3000)}\ntsalive-sshd: ${JSON.stringify(ours.result)}\n${world.pair.tsalive.log().slice(-3000)}`;
      for (const [name, run] of [
        ["sshd", real],
        ["tsalive-sshd", ours],
      ] as const) {
        if (c.expect === "deny") {
          assert.equal(run.result.status, 255, `${name} accepted\n${detail()}`);
          assert.equal(
            run.result.stderr.replaceAll("\r\n", "\n"),
            `Error: remote port forwarding failed for listen port ${run.listen}\n`,
            `${name}\n${detail()}`,
          );
        } else {
          const expected = ["127.0.0.1", "127.0.0.2"]
            .map((a) => `${a} ${(c.listens ?? []).includes(a as "127.0.0.1") ? "open" : "closed"}\n`)
            .join("");
          assert.equal(run.result.stdout, expected, `${name}\n${detail()}`);
          assert.equal(run.result.status, 0, `${name}\n${detail()}`);
        }
      }
      for (const line of c.logs ?? []) {
        for (const [peer, run] of [
          [world.pair.sshd, real],
          [world.pair.tsalive, ours],
        ] as const) {
          const text = line
            .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
            .replace("PORT", String(run.listen))
            .replace("ANY", "[0-9]+");
          assert.ok(await peer.waitForLog(new RegExp(text)), `${peer.name}'s log lacks ${text}\n${detail()}`);
        }
      }
    });
  }
});

/** Connects an ssh2 client as root with the plain key. */
async function client(port: number): Promise<ssh2.Client> {
  const c = new ssh2.Client();
  c.on("error", () => undefined);
  c.connect({ host: "127.0.0.1", port, username: "root", privateKey: world.keys.get("")?.privateKey ?? "" });
  await once(c, "ready");
  return c;
}

/** `tcpip-forward` for port 0 on `host`: the port the server picked. */
function forwardIn(c: ssh2.Client, host: string): Promise<number> {
  return new Promise((resolve, reject) => c.forwardIn(host, 0, (error, p) => (error ? reject(error) : resolve(p))));
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("cancel-tcpip-forward and the forwarded-tcpip channel", { skip }, () => {
  it("port 0 gets a port, which cancel-tcpip-forward closes; cancelling it again fails, on both", async () => {
    for (const port of [world.pair.sshd.port, world.pair.tsalive.port]) {
      const c = await client(port);
      try {
        const allocated = await forwardIn(c, "127.0.0.1");
        assert.ok(allocated > 0);
        assert.equal(await reachable(allocated), true);
        await new Promise<void>((resolve, reject) =>
          c.unforwardIn("127.0.0.1", allocated, (error) => (error ? reject(error) : resolve())),
        );
        assert.equal(await reachable(allocated), false, `port ${port}: still listening after the cancel`);
        const again = await new Promise<Error | undefined>((resolve) =>
          c.unforwardIn("127.0.0.1", allocated, (error) => resolve(error ?? undefined)),
        );
        assert.ok(again instanceof Error, `port ${port}: a second cancel succeeded`);
      } finally {
        c.end();
      }
    }
  });

  it("a forwarded connection arrives as forwarded-tcpip naming the address asked for and the port bound", async () => {
    for (const port of [world.pair.sshd.port, world.pair.tsalive.port]) {
      const c = await client(port);
      try {
        const allocated = await forwardIn(c, "localhost");
        const arrived = once(c, "tcp connection");
        const socket = connect(allocated, "127.0.0.1");
        socket.on("error", () => undefined);
        const [info, accept] = (await withTimeout(arrived, 10_000, "the forwarded connection")) as [
          { destIP: string; destPort: number; srcIP: string },
          () => ssh2.ClientChannel,
        ];
        assert.equal(info.destIP, "localhost");
        assert.equal(info.destPort, allocated);
        assert.equal(info.srcIP, "127.0.0.1");
        const channel = accept();
        channel.end("over the tunnel\n");
        const [data] = (await once(socket, "data")) as [Buffer];
        assert.equal(data.toString(), "over the tunnel\n");
        socket.destroy();
      } finally {
        c.end();
      }
    }
  });

  it("ChannelTimeout forwarded-tcpip closes an idle forwarded channel, on both, at the same time", async () => {
    const closedAfter: number[] = [];
    for (const port of [world.pair.sshd.port, world.pair.tsalive.port]) {
      const c = await client(port);
      try {
        const allocated = await forwardIn(c, "localhost");
        const arrived = once(c, "tcp connection");
        // The server's channel exists from its accept: idle from then on.
        const started = performance.now();
        const socket = connect(allocated, "127.0.0.1");
        socket.on("error", () => undefined);
        const [, accept] = (await arrived) as [unknown, () => ssh2.ClientChannel];
        const channel = accept();
        channel.on("data", () => undefined);
        await withTimeout(once(channel, "close"), 10_000, "the idle forwarded channel to close");
        closedAfter.push(performance.now() - started);
        socket.destroy();
      } finally {
        c.end();
      }
    }
    for (const [i, ms] of closedAfter.entries()) {
      const name = i === 0 ? "sshd" : "tsalive-sshd";
      // sshd 9.2 keeps a channel's last use in whole seconds (monotime()), so its deadline falls in (T-1 s, T];
      // tsalive-sshd's is T to the millisecond. Either way the label forwarded-tcpip is what made it fire.
      const lower = (name === "sshd" ? FORWARDED_TIMEOUT - 1 : FORWARDED_TIMEOUT) * 1000 - 50;
      assert.ok(
        ms >= lower && ms < FORWARDED_TIMEOUT * 1000 + 1000,
        `${name} closed the idle channel after ${ms.toFixed(0)} ms`,
      );
    }
  });
});
