/**
 * Integration (real peers on loopback): OpenSSH's `ssh` logs into tsalive-sshd and runs commands; `tsalive-sshd -T`
 * prints what `sshd -T` prints, the whole output, for 9.2 (the host) and 10.0 and 10.6 (their roots).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  GENERATIONS,
  generateKey,
  makeTempDir,
  PEERS,
  peerCommand,
  rootOf,
  skipUnlessPeers,
  stopAll,
} from "@tsalive/test-support";

after(stopAll);
/** The program from its TypeScript source (as every package's tests run), so a stale dist/ is never what is tested. */
const RUN = [
  "--conditions=tsalive-source",
  "--import",
  "tsx",
  fileURLToPath(new URL("../src/main.ts", import.meta.url)),
];
const BIN = fileURLToPath(new URL("../bin/tsalive-sshd.js", import.meta.url));
describe("tsalive-sshd with OpenSSH", { skip: skipUnlessPeers("ssh", "sshd") }, () => {
  it("ssh logs in with a key and gets the remote exit status; the log says it in sshd's words", async () => {
    const dir = makeTempDir("tsalive-sshd-interop-");
    const host = generateKey(dir.join("host_key"));
    const client = generateKey(dir.join("client_key"));
    writeFileSync(dir.join("authorized_keys"), `${client.publicKey}\n`);
    writeFileSync(
      dir.join("sshd_config"),
      `ListenAddress 127.0.0.1\nHostKey ${host.privatePath}\nAuthorizedKeysFile ${dir.join("authorized_keys")}\nClientAliveInterval 1\nUsePAM no\n# the keys sit in a temp dir under /tmp (mode 1777), which StrictModes refuses, as sshd does\nStrictModes no\n`,
    );
    const server = spawn(process.execPath, [...RUN, "-D", "-f", dir.join("sshd_config"), "-p", "0"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    server.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      log += chunk;
    });
    try {
      const deadline = Date.now() + 10_000;
      while (!/port ([0-9]+)\./.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const port = /Server listening on 127\.0\.0\.1 port ([0-9]+)\./.exec(log)?.[1];
      assert.ok(port, log);
      const base = [
        "-i",
        client.privatePath,
        "-p",
        port,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
      ];
      const user = process.env.USER ?? "root";
      const run = spawnSync("ssh", [...base, `${user}@127.0.0.1`, "echo hello from $USER; exit 7"], {
        encoding: "utf8",
        timeout: 15_000,
      });
      assert.equal(run.stdout, `hello from ${user}\n`);
      assert.equal(run.status, 7);
      // spawnSync blocked this event loop: let the server's log arrive.
      const logged = Date.now() + 5000;
      while (!log.includes("Accepted publickey") && Date.now() < logged) await new Promise((r) => setTimeout(r, 50));
      const fp = spawnSync("ssh-keygen", ["-lf", client.publicPath], { encoding: "utf8" }).stdout.split(" ")[1];
      assert.match(
        log,
        new RegExp(
          `Accepted publickey for ${user} from 127\\.0\\.0\\.1 port [0-9]+ ssh2: ED25519 ${fp?.replace(/[+/]/g, "\\$&")}`,
        ),
      );
      // A key that is not authorized: ssh's own message.
      const other = generateKey(dir.join("other_key"));
      const denied = spawnSync("ssh", [...base.slice(2), "-i", other.privatePath, `${user}@127.0.0.1`, "true"], {
        encoding: "utf8",
        timeout: 15_000,
      });
      assert.equal(denied.status, 255);
      assert.match(denied.stderr, /Permission denied \(publickey\)/);
    } finally {
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
      dir.remove();
    }
  });
});

describe("tsalive-sshd -T agrees with sshd -T", { skip: skipUnlessPeers("sshd") }, () => {
  const dir = makeTempDir("tsalive-sshd-T-");
  after(() => dir.remove());
  const host = generateKey(dir.join("host_key"));
  const configs: [string, string, string][] = [
    ["defaults", "", "user=root,host=h,addr=10.0.0.1"],
    [
      "times",
      "ClientAliveInterval 1h30m\nClientAliveCountMax 0\nLoginGraceTime 2m\nUnusedConnectionTimeout 10\n",
      "user=root,host=h,addr=10.0.0.1",
    ],
    [
      "first wins",
      "ClientAliveInterval 5\nClientAliveInterval 9\nPort 2200\nPort 2201\nListenAddress 127.0.0.1\n",
      "user=root,host=h,addr=10.0.0.1",
    ],
    [
      "match user",
      "ClientAliveInterval 5\nMatch User bob\n  ClientAliveInterval 7\n  ChannelTimeout session:*=5m\n",
      "user=bob,host=h,addr=10.0.0.1",
    ],
    [
      "match user, other user",
      "ClientAliveInterval 5\nMatch User bob\n  ClientAliveInterval 7\n",
      "user=alice,host=h,addr=10.0.0.1",
    ],
    [
      "match address cidr",
      "Match Address 10.0.0.0/8\n  ClientAliveCountMax 9\n  PubkeyAuthentication no\n",
      "user=root,host=h,addr=10.1.2.3",
    ],
    ["negated address", "Match Address !10.0.0.0/8,*\n  ClientAliveCountMax 9\n", "user=root,host=h,addr=10.1.2.3"],
    [
      "match localport",
      "Port 22\nPort 2222\nMatch LocalPort 2222\n  ClientAliveInterval 42\n  PasswordAuthentication no\n",
      "user=root,host=h,addr=1.2.3.4,laddr=127.0.0.1,lport=2222",
    ],
    ["authorized keys none", "AuthorizedKeysFile none\n", "user=root,host=h,addr=1.2.3.4"],
  ];
  for (const [label, text, spec] of configs) {
    it(label, () => {
      const file = dir.join(`${label.replace(/\W+/g, "_")}.conf`);
      writeFileSync(file, `HostKey ${host.privatePath}\n${text}`);
      const real = spawnSync("/usr/sbin/sshd", ["-T", "-f", file, "-C", spec], { encoding: "utf8" });
      const ours = spawnSync(process.execPath, [...RUN, "--openssh", "9.2", "-T", "-f", file, "-C", spec], {
        encoding: "utf8",
      });
      assert.equal(real.status, 0, real.stderr);
      assert.equal(ours.status, 0, ours.stderr);
      // The whole output, line for line: the host's sshd is 9.2.
      assert.equal(ours.stdout, real.stdout);
    });
  }
  it("the installed bin (bin/tsalive-sshd.js) runs -T", () => {
    const file = dir.join("bin.conf");
    writeFileSync(file, `HostKey ${host.privatePath}\nClientAliveInterval 9\n`);
    const result = spawnSync(BIN, ["-T", "-f", file], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ClientAliveInterval 9$/m);
  });
  it("a keyword sshd does not allow in Match is an error in both", () => {
    const file = dir.join("bad.conf");
    writeFileSync(file, `HostKey ${host.privatePath}\nMatch User bob\n  Port 2222\n`);
    const real = spawnSync("/usr/sbin/sshd", ["-T", "-f", file], { encoding: "utf8" });
    const ours = spawnSync(process.execPath, [...RUN, "-T", "-f", file], { encoding: "utf8" });
    assert.equal(real.status, 255);
    assert.equal(ours.status, 255);
    assert.match(ours.stderr, /Directive 'Port' is not allowed within a Match block/);
  });
});

describe("tsalive-sshd --openssh V -T prints what that release's sshd -T prints", {
  skip: skipUnlessPeers("sshd"),
}, () => {
  const dir = makeTempDir("tsalive-sshd-T-versions-");
  after(() => dir.remove());
  const host = generateKey(dir.join("host_key"));
  const text = `HostKey ${host.privatePath}\nClientAliveInterval 5\nMatch User bob\n  ClientAliveInterval 7\n  ChannelTimeout session:*=5m\n`;
  for (const generation of GENERATIONS.filter((g) => !PEERS[g].host)) {
    const { openssh } = PEERS[generation];
    it(`${openssh} (${generation})`, () => {
      rootOf(generation);
      const file = dir.join(`v${openssh}.conf`);
      writeFileSync(file, text);
      const [command, ...args] = peerCommand(generation, ["/usr/sbin/sshd", "-T", "-f", file, "-C", "user=bob"]);
      // No relative file names here, so the two working directories do not matter.
      const real = spawnSync(command, args, { encoding: "utf8" });
      const ours = spawnSync(process.execPath, [...RUN, "--openssh", openssh, "-T", "-f", file, "-C", "user=bob"], {
        encoding: "utf8",
      });
      assert.equal(real.status, 0, real.stderr);
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(ours.stdout, real.stdout);
    });
  }
  it("with -d, says once that sshd_config holds tsalive's keywords and how to share the file", () => {
    const file = dir.join("seed.conf");
    writeFileSync(file, `HostKey ${host.privatePath}\nWatchdogTimeout 15\nHeartbeat 5\n`);
    const ours = spawnSync(process.execPath, [...RUN, "-d", "-T", "-f", file], { encoding: "utf8" });
    assert.equal(ours.status, 0, ours.stderr);
    assert.match(ours.stdout, /\nHeartbeat 5\nWatchdogTimeout 15\n$/);
    const lines = ours.stderr.split("\n").filter((l) => l.includes("tsalive extension"));
    assert.equal(lines.length, 1, ours.stderr);
    assert.match(lines[0] ?? "", /^debug1: .* line 2: WatchdogTimeout is a tsalive extension: OpenSSH's sshd rejects/);
    assert.match(lines[0] ?? "", /move tsalive's keywords to \/etc\/ssh\/tsalive_config/);
    const quiet = spawnSync(process.execPath, [...RUN, "-T", "-f", file], { encoding: "utf8" });
    assert.equal(quiet.stderr, "");
  });
});
