/**
 * Integration (real peers on loopback): ProxyCommand (with `nc`, and with tsalive-ssh -W as its own proxy),
 * OpenSSH's `ssh` through `tsalive-ssh -W`, and `-R` / `-D` against the real sshd and tsalive-sshd, checked with
 * `curl`. Where OpenSSH's ssh prints a message for a failure, the same run of ssh is the judge. One sshd and one
 * tsalive-sshd serve the whole file.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, connect as tcpConnect } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  findBinary,
  freePort,
  generateKey,
  type KeyPair,
  listProcesses,
  registerCleanup,
  type Sshd,
  skipUnlessPeers,
  spawnProcess,
  startSshd,
  stopAll,
} from "@tsalive/test-support";
import { startTsaliveSshd, type TsaliveSshd } from "../../server/test/_server.ts";
import { RUN } from "./_run.ts";

after(stopAll);

const CWD = fileURLToPath(new URL("..", import.meta.url));
/** tsalive-ssh as one shell command line (for ProxyCommand), run from this package so `--import tsx` resolves. */
const SHELL_RUN = [process.execPath, ...RUN].join(" ");

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `program args` to its end (bounded), stdin from `input`. */
function run(program: string, args: readonly string[], input = ""): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"], cwd: CWD });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The options both clients get: this key only, known host keys, LogLevel `level` (ssh takes the first). */
function common(key: KeyPair, port: number, level = "ERROR"): string[] {
  return [
    "-F",
    "/dev/null",
    "-i",
    key.privatePath,
    "-p",
    String(port),
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "BatchMode=yes",
    "-o",
    `LogLevel=${level}`,
  ];
}
const tsaliveSsh = (args: readonly string[], input?: string) => run(process.execPath, [...RUN, ...args], input);
/**
 * OpenSSH's ssh, its log lines' `\r\n` read as `\n`: log.c ends every line it writes to stderr with `\r\n`, where
 * tsalive-ssh ends them with `\n` (except in raw mode); the words are what is compared.
 */
const openSsh = async (args: readonly string[], input?: string): Promise<Result> => {
  const result = await run("ssh", args, input);
  return { ...result, stderr: result.stderr.replaceAll("\r\n", "\n") };
};

/** nc and curl come with scripts/ensure-peers.sh (netcat-openbsd, curl); CI never skips for lack of them. */
function skipUnlessTools(...tools: string[]): false | string {
  const missing = tools.filter((tool) => findBinary(tool) === undefined);
  if (missing.length === 0) return false;
  if (process.env.CI === "true") throw new Error(`CI=true never skips: needs ${missing.join(", ")}`);
  return `needs ${missing.join(", ")} (scripts/ensure-peers.sh installs them)`;
}
const skip = skipUnlessPeers("ssh", "sshd") || skipUnlessTools("nc", "curl");
let sshd: Sshd;
let tsalive: TsaliveSshd;
/** A key both servers accept with `no-port-forwarding`. */
let noForwarding: KeyPair;
let http: number;
let user: string;
/** Both servers' host keys, so that neither client has a host key line to print. */
let knownHosts: string;

before(async () => {
  if (skip) return;
  [sshd, tsalive] = await Promise.all([startSshd(), startTsaliveSshd()]);
  user = sshd.user;
  knownHosts = sshd.dir.join("known_hosts");
  const tsaliveHostKey = readFileSync(tsalive.dir.join("host_key.pub"), "utf8").trim();
  writeFileSync(
    knownHosts,
    `[127.0.0.1]:${sshd.port} ${sshd.hostKey.publicKey}\n[127.0.0.1]:${tsalive.port} ${tsaliveHostKey}\n`,
  );
  noForwarding = generateKey(sshd.dir.join("no_forwarding"));
  appendFileSync(sshd.dir.join("authorized_keys"), `no-port-forwarding ${noForwarding.publicKey}\n`);
  appendFileSync(tsalive.dir.join("authorized_keys"), `no-port-forwarding ${noForwarding.publicKey}\n`);
  const server = createHttpServer((_request, response) => response.end("hello over http\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registerCleanup("http server", () => new Promise<void>((resolve) => server.close(() => resolve())));
  http = (server.address() as { port: number }).port;
});

describe("ProxyCommand", { skip }, () => {
  it("with nc: the command's stdio is the transport, %h and %p expanded", async () => {
    const result = await tsaliveSsh([
      ...common(sshd.clientKey, sshd.port),
      "-o",
      "ProxyCommand=nc %h %p",
      `${user}@127.0.0.1`,
      "echo via-nc",
    ]);
    assert.equal(result.stdout, "via-nc\n", result.stderr);
    assert.equal(result.status, 0);
  });

  it("with tsalive-ssh -W as its own proxy, against sshd and tsalive-sshd", async () => {
    const results = await Promise.all(
      [sshd, tsalive].map(({ port, clientKey }) => {
        const proxy = `${SHELL_RUN} ${common(clientKey, port).join(" ")} -W %h:%p %r@127.0.0.1`;
        return tsaliveSsh([
          ...common(clientKey, port),
          "-o",
          `ProxyCommand=${proxy}`,
          `${user}@127.0.0.1`,
          "echo via-W",
        ]);
      }),
    );
    for (const result of results) {
      assert.equal(result.stdout, "via-W\n", result.stderr);
      assert.equal(result.status, 0);
    }
  });

  it("its stderr reaches ours and its early exit ends the connection with ssh's lines", async () => {
    // It reads the client's identification line before it exits: exiting at once races ssh's write of that line
    // (ssh then says `banner exchange: Connection to UNKNOWN port 65535: Broken pipe` instead).
    const command = 'ProxyCommand=sh -c "echo oops >&2; read banner; exit 3"';
    const args = [...common(sshd.clientKey, sshd.port, "INFO"), "-o", command];
    const [ours, real] = await Promise.all([
      tsaliveSsh([...args, `${user}@127.0.0.1`, "true"]),
      openSsh([...args, `${user}@127.0.0.1`, "true"]),
    ]);
    assert.equal(
      real.stderr,
      "oops\nkex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535\n",
    );
    assert.equal(ours.stderr, real.stderr);
    assert.equal(ours.status, 255);
    assert.equal(real.status, 255);
  });
});

describe("-W (stdio forwarding)", { skip }, () => {
  it("OpenSSH's ssh runs through tsalive-ssh -W as its ProxyCommand", async () => {
    const proxy = `${SHELL_RUN} ${common(sshd.clientKey, sshd.port).join(" ")} -W %h:%p %r@127.0.0.1`;
    const result = await openSsh([
      ...common(sshd.clientKey, sshd.port),
      "-o",
      `ProxyCommand=${proxy}`,
      `${user}@127.0.0.1`,
      "echo through-tsalive",
    ]);
    assert.equal(result.stdout, "through-tsalive\n", result.stderr);
    assert.equal(result.status, 0);
  });

  it("a refused channel: ssh's lines and 255, as ssh -W prints them (sshd and tsalive-sshd say alike why)", async () => {
    const closed = await freePort();
    const runs = await Promise.all(
      [sshd, tsalive].map(({ port, clientKey }) => {
        const args = [...common(clientKey, port, "INFO"), "-W", `127.0.0.1:${closed}`, `${user}@127.0.0.1`];
        return Promise.all([tsaliveSsh(args), openSsh(args)]);
      }),
    );
    for (const [ours, real] of runs) {
      assert.equal(
        real.stderr,
        "channel 0: open failed: connect failed: Connection refused\nstdio forwarding failed\n",
      );
      assert.equal(ours.stderr, real.stderr);
      assert.equal(ours.status, real.status);
    }
  });
});

/** Starts `tsalive-ssh -N …` in the background; stopped at the end of the test or by stopAll(). */
function background(args: readonly string[]) {
  return spawnProcess(process.execPath, [...RUN, "-N", ...args], { name: "tsalive-ssh", cwd: CWD });
}

function curl(args: readonly string[]): Promise<Result> {
  return run("curl", ["-sS", "--max-time", "10", ...args]);
}

for (const which of ["sshd", "tsalive-sshd"] as const) {
  describe(`-R and -D against ${which}`, { skip }, () => {
    const server = () => (which === "sshd" ? sshd : tsalive);
    const key = () => server().clientKey;

    it("-R 0 reports the port the server picked, -R PORT listens there; curl gets the local server's page", async () => {
      const fixed = await freePort();
      const client = background([
        ...common(key(), server().port, "INFO"),
        "-R",
        `0:127.0.0.1:${http}`,
        "-R",
        `${fixed}:127.0.0.1:${http}`,
        `${user}@127.0.0.1`,
      ]);
      try {
        const allocated = await client.waitForOutput(
          /Allocated port ([0-9]+) for remote forward to 127\.0\.0\.1:[0-9]+\n/,
        );
        for (const port of [Number(allocated[1]), fixed]) {
          const page = await curl([`http://127.0.0.1:${port}/`]);
          assert.equal(page.stdout, "hello over http\n", page.stderr);
        }
      } finally {
        await client.stop();
      }
    });

    it("-D is a SOCKS 5, 4 and 4a proxy (curl --socks5, --socks5-hostname, --socks4, --socks4a)", async () => {
      const socks = await freePort();
      const client = background([...common(key(), server().port), "-D", String(socks), `${user}@127.0.0.1`]);
      try {
        await waitForListen(socks);
        for (const [flag, host] of [
          ["--socks5", "127.0.0.1"],
          ["--socks5-hostname", "localhost"],
          ["--socks4", "127.0.0.1"],
          ["--socks4a", "localhost"],
        ] as const) {
          const page = await curl([flag, `127.0.0.1:${socks}`, `http://${host}:${http}/`]);
          assert.equal(page.stdout, "hello over http\n", `${flag}: ${page.stderr}`);
        }
        // A destination the server cannot reach: the SOCKS reply says so (RFC 1928's 5, connection refused, from
        // the server's `connect failed: Connection refused`), and curl names the code.
        const closed = await freePort();
        const refused = await curl(["--socks5", `127.0.0.1:${socks}`, `http://127.0.0.1:${closed}/`]);
        assert.equal(refused.status, 97, refused.stderr);
        assert.equal(refused.stderr, "curl: (97) Can't complete SOCKS5 connection to 127.0.0.1. (5)\n");
      } finally {
        await client.stop();
      }
    });

    it("a refused -R: ssh's Warning, or its Error and 255 with ExitOnForwardFailure (ssh is the judge)", async () => {
      const port = await freePort();
      const args = [...common(noForwarding, server().port, "INFO"), "-R", `${port}:127.0.0.1:${http}`];
      const target = [`${user}@127.0.0.1`, "echo session"];
      const exit = ["-o", "ExitOnForwardFailure=yes", ...target];
      const [ours, real, oursFatal, realFatal] = await Promise.all([
        tsaliveSsh([...args, ...target]),
        openSsh([...args, ...target]),
        tsaliveSsh([...args, ...exit]),
        openSsh([...args, ...exit]),
      ]);
      const warn = [ours, real] as const;
      const fatal = [oursFatal, realFatal] as const;
      assert.equal(warn[1].stderr, `Warning: remote port forwarding failed for listen port ${port}\n`);
      assert.deepEqual(warn[0], warn[1]);
      assert.equal(fatal[1].stderr, `Error: remote port forwarding failed for listen port ${port}\n`);
      assert.deepEqual(fatal[0], fatal[1]);
      assert.equal(fatal[0].status, 255);
    });
  });
}

/** Waits until something accepts on 127.0.0.1:`port` (bounded). */
async function waitForListen(port: number, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("local forwards: -g, bind failures and ExitOnForwardFailure", { skip }, () => {
  it("a port taken on every loopback address: ssh's lines, then the session; fatal with ExitOnForwardFailure", async () => {
    const port = await freePort();
    const taken = [createServer(), createServer()];
    await Promise.all(
      taken.map((s, i) => new Promise<void>((resolve) => s.listen(port, i === 0 ? "::1" : "127.0.0.1", resolve))),
    );
    try {
      const args = [...common(sshd.clientKey, sshd.port, "INFO"), "-L", `${port}:127.0.0.1:${http}`];
      const extras = [[], ["-D", String(port)], ["-o", "ExitOnForwardFailure=yes"]];
      const runs = await Promise.all(
        extras.map((extra) => {
          const argv = [...args, ...extra, `${user}@127.0.0.1`, "echo session"];
          return Promise.all([tsaliveSsh(argv), openSsh(argv)]);
        }),
      );
      for (const [i, [ours, real]] of runs.entries()) {
        assert.match(real.stderr, /bind \[127\.0\.0\.1\]:[0-9]+: Address already in use\n/);
        assert.deepEqual(ours, real, `with ${extras[i]?.join(" ")}`);
      }
    } finally {
      for (const s of taken) s.close();
    }
  });

  it("-g listens on every address, as ssh -v says; without it only loopback", async () => {
    const lines = (text: string) => text.split("\n").filter((l) => /Local (connections|forwarding)/.test(l));
    await Promise.all(
      [true, false].map(async (gateway) => {
        const port = await freePort();
        const args = [
          ...common(sshd.clientKey, sshd.port, "DEBUG1"),
          ...(gateway ? ["-g"] : []),
          "-L",
          `${port}:127.0.0.1:${http}`,
          `${user}@127.0.0.1`,
          "true",
        ];
        const [ours, real] = await Promise.all([tsaliveSsh(args), openSsh(args)]);
        assert.deepEqual(lines(ours.stderr), lines(real.stderr));
        assert.equal(lines(real.stderr).length, 3);
      }),
    );
  });
});

it("leaves no tsalive-ssh, nc or ProxyCommand behind", { skip }, async () => {
  await stopAll();
  const main = RUN[RUN.length - 1] as string;
  const left = listProcesses().filter(
    (p) => p.pid !== process.pid && (p.args.includes(main) || /^nc 127\.0\.0\.1 /.test(p.args)),
  );
  assert.deepEqual(
    left.map((p) => `${p.pid} ${p.args}`),
    [],
  );
});
