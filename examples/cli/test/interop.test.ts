/**
 * Integration (real peers on loopback): tsalive-ssh logs into OpenSSH's sshd and Dropbear and runs a command,
 * checks host keys as ssh does, exits 255 with ssh's messages, and `-G` agrees with `ssh -G`.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  createThrowawayUser,
  freePort,
  listProcesses,
  makeTempDir,
  skipUnlessPeers,
  startDropbear,
  startSshd,
  stopAll,
} from "@tsalive/test-support";
import { RUN } from "./_run.ts";

after(stopAll);
const BIN = fileURLToPath(new URL("../bin/tsalive-ssh.js", import.meta.url));

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...RUN, "-F", "none", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe("tsalive-ssh with OpenSSH's sshd", { skip: skipUnlessPeers("sshd") }, () => {
  it("runs a command and exits with its status; host keys are learned, then checked", async () => {
    const sshd = await startSshd();
    const known = sshd.dir.join("known_hosts");
    const base = ["-i", sshd.clientKey.privatePath, "-p", String(sshd.port), "-o", `UserKnownHostsFile=${known}`];
    const first = await run([
      ...base,
      "-o",
      "StrictHostKeyChecking=accept-new",
      `${sshd.user}@127.0.0.1`,
      "echo hi; exit 3",
    ]);
    assert.equal(first.stdout, "hi\n");
    assert.equal(first.status, 3);
    assert.match(
      first.stderr,
      /Warning: Permanently added '\[127\.0\.0\.1\]:[0-9]+' \(ED25519\) to the list of known hosts\./,
    );
    const second = await run([...base, "-o", "StrictHostKeyChecking=yes", `${sshd.user}@127.0.0.1`, "true"]);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stderr, "");
    // The same entry, hashed as HashKnownHosts writes it, still matches.
    spawnSync("ssh-keygen", ["-H", "-f", known], { stdio: "ignore" });
    const hashed = await run([...base, "-o", "StrictHostKeyChecking=yes", `${sshd.user}@127.0.0.1`, "true"]);
    assert.equal(hashed.status, 0, hashed.stderr);
    // A different key for the host: refused loudly.
    const line = `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`;
    writeFileSync(known, line);
    const changed = await run([...base, `${sshd.user}@127.0.0.1`, "true"]);
    assert.equal(changed.status, 255);
    assert.match(changed.stderr, /WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!/);
    assert.match(changed.stderr, /Host key verification failed\.\n$/);
    // Unknown host with StrictHostKeyChecking yes, and BatchMode never prompting.
    writeFileSync(known, "");
    const strict = await run([...base, "-o", "StrictHostKeyChecking=yes", `${sshd.user}@127.0.0.1`, "true"]);
    assert.equal(strict.status, 255);
    assert.match(
      strict.stderr,
      /No ED25519 host key is known for \[127\.0\.0\.1\]:[0-9]+ and you have requested strict checking\./,
    );
    const batch = await run([...base, "-o", "BatchMode=yes", `${sshd.user}@127.0.0.1`, "true"]);
    assert.equal(batch.status, 255);
    assert.equal(batch.stderr, "Host key verification failed.\n");
    await sshd.stop();
  });

  it("an interactive shell gets a pty when stdin is a terminal (script(1) provides one)", async () => {
    const sshd = await startSshd();
    const command = [
      process.execPath,
      ...RUN,
      "-F",
      "none",
      "-i",
      sshd.clientKey.privatePath,
      "-p",
      String(sshd.port),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "LogLevel=ERROR",
      `${sshd.user}@127.0.0.1`,
    ].join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    const status = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    child.stdin.write("tty; echo shell-$((40+2))\nexit 6\n");
    assert.equal(await status, 6, output);
    clearTimeout(timer);
    assert.match(output, /\/dev\/pts\/[0-9]+/);
    assert.match(output, /shell-42/);
    await sshd.stop();
  });

  it("forwards a local port with -N -L", async () => {
    const sshd = await startSshd();
    const local = await freePort();
    const child = spawn(
      process.execPath,
      [
        ...RUN,
        "-F",
        "none",
        "-N",
        "-L",
        `${local}:127.0.0.1:${sshd.port}`,
        "-i",
        sshd.clientKey.privatePath,
        "-p",
        String(sshd.port),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        `${sshd.user}@127.0.0.1`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    try {
      // Through the tunnel, the forwarded port answers with sshd's own banner.
      const { connect } = await import("node:net");
      const deadline = Date.now() + 10_000;
      let banner = "";
      while (!banner.startsWith("SSH-2.0-") && Date.now() < deadline) {
        banner = await new Promise<string>((resolve) => {
          const socket = connect(local, "127.0.0.1");
          socket.setEncoding("utf8");
          socket.once("data", (data: string) => {
            socket.destroy();
            resolve(data);
          });
          socket.once("error", () => resolve(""));
          socket.once("close", () => resolve(""));
        });
        if (!banner) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(banner, /^SSH-2\.0-OpenSSH/);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      await sshd.stop();
    }
  });
});

describe("tsalive-ssh with Dropbear", { skip: skipUnlessPeers("dropbear") }, () => {
  it("runs a command and exits with its status", async () => {
    const dropbear = await startDropbear();
    const result = await run([
      "-i",
      dropbear.clientKey.privatePath,
      "-p",
      String(dropbear.port),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "LogLevel=ERROR",
      `${dropbear.user}@127.0.0.1`,
      "echo dropbear; exit 5",
    ]);
    assert.equal(result.stdout, "dropbear\n");
    assert.equal(result.status, 5, result.stderr);
    await dropbear.stop();
  });
});

describe("exit codes and messages", () => {
  it("the installed bin (bin/tsalive-ssh.js: dist/ when built, else the source) runs", () => {
    const result = spawnSync(BIN, ["-G", "-F", "none", "-p", "2222", "me@h"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^host h\nuser me\nhostname h\nport 2222\n/);
  });
  it("connection refused: 255 and ssh's message", async () => {
    const port = await freePort();
    const result = await run(["-p", String(port), "-o", "BatchMode=yes", "127.0.0.1", "true"]);
    assert.equal(result.status, 255);
    assert.equal(result.stderr, `ssh: connect to host 127.0.0.1 port ${port}: Connection refused\n`);
  });
  it("a bad config value: 255 and OpenSSH's message", async () => {
    const result = await run(["-o", "ServerAliveInterval=soon", "-G", "h"]);
    assert.equal(result.status, 255);
    assert.match(result.stderr, /invalid time value/);
  });
  it("ProxyJump goes through the jump host, never directly (its failure names the jump host)", async () => {
    const result = await run(["-o", "ProxyJump=jump.example", "-o", "BatchMode=yes", "h", "true"]);
    assert.equal(result.status, 255);
    assert.match(result.stderr, /^ssh: Could not resolve hostname jump\.example: Name or service not known$/m);
  });
});

describe("-G agrees with ssh -G", { skip: skipUnlessPeers("ssh") }, () => {
  const dir = makeTempDir("tsalive-ssh-G-");
  after(() => dir.remove());
  const KEYS =
    /^(host|user|hostname|port|tcpkeepalive|serveralivecountmax|serveraliveinterval|identityfile|connecttimeout|proxyjump) /;
  const cases: [string, string, string[], string][] = [
    ["defaults", "", [], "example.org"],
    [
      "host block",
      "Host web\n  HostName %h.example.com\n  ServerAliveInterval 15\n  Port 2222\nHost *\n  ServerAliveInterval 60\n  ServerAliveCountMax 5\n",
      [],
      "web",
    ],
    ["-o first", "Host *\n  ServerAliveInterval 60\n", ["ServerAliveInterval=7", "ConnectTimeout=1m"], "x"],
    ["user@host and -l", "Host x\n  User fromfile\n", [], "me@x"],
    ["identity files", "Host x\n  IdentityFile ~/.ssh/a\n  IdentityFile ~/.ssh/b\n", [], "x"],
    ["none", "Host x\n  ServerAliveInterval none\nHost *\n  ServerAliveInterval 9\n  TCPKeepAlive no\n", [], "x"],
    ["match", "Match host x\n  ServerAliveCountMax 1\n", [], "x"],
    ["ignore unknown", "IgnoreUnknown Heartbeat\nHost x\n  Heartbeat 10\n  ServerAliveInterval 2\n", [], "x"],
  ];
  it("without -F: the user's ~/.ssh/config (from passwd, not $HOME) then /etc/ssh/ssh_config, -o first", {
    skip: skipUnlessPeers("dropbear"), // needs root and useradd for a throwaway account
  }, async () => {
    const account = createThrowawayUser();
    try {
      mkdirSync(`${account.home}/.ssh`, { recursive: true });
      writeFileSync(`${account.home}/.ssh/config`, "Host x\n  ServerAliveInterval 11\n  Port 2022\n", { mode: 0o600 });
      chownSync(`${account.home}/.ssh`, account.uid, account.gid);
      chownSync(`${account.home}/.ssh/config`, account.uid, account.gid);
      const args = ["-G", "-o", "Port=2023", "x"];
      const oursArgs = ["--openssh", "9.2", ...args]; // the host's ssh is 9.2
      // HOME points elsewhere on purpose: ssh reads the passwd entry's home.
      const env = { PATH: "/usr/bin:/bin", HOME: dir.path, LC_ALL: "C" };
      const as = { uid: account.uid, gid: account.gid, cwd: "/", encoding: "utf8" as const };
      const real = spawnSync("ssh", args, { ...as, env });
      const ours = spawnSync(process.execPath, [...RUN, ...oursArgs], {
        ...as,
        cwd: fileURLToPath(new URL("..", import.meta.url)), // where `--import tsx` resolves
        env: { ...process.env, ...env },
      });
      assert.equal(ours.status, real.status, `${ours.stderr}\n${real.stderr}`);
      const pick = (text: string) =>
        text
          .split("\n")
          .filter((l) => KEYS.test(l))
          .sort();
      assert.deepEqual(pick(ours.stdout), pick(real.stdout));
      assert.ok(pick(ours.stdout).includes("serveraliveinterval 11") && pick(ours.stdout).includes("port 2023"));
    } finally {
      await account.remove();
    }
  });
  for (const [label, config, options, host] of cases) {
    it(label, () => {
      const file = dir.join(`${label.replace(/\W+/g, "_")}.conf`);
      writeFileSync(file, config);
      const args = ["-G", "-F", file, ...options.flatMap((o) => ["-o", o]), host];
      const env = { PATH: "/usr/bin:/bin", HOME: dir.path, LC_ALL: "C" };
      const real = spawnSync("ssh", args, { encoding: "utf8", env });
      const ours = spawnSync(process.execPath, [...RUN, "--openssh", "9.2", ...args], {
        encoding: "utf8",
        env: { ...process.env, ...env },
      });
      assert.equal(ours.status, real.status, ours.stderr);
      const pick = (text: string) =>
        text
          .split("\n")
          .filter((l) => KEYS.test(l))
          .sort();
      assert.deepEqual(pick(ours.stdout), pick(real.stdout));
    });
  }
});

it("leaves no tsalive-ssh process behind", () => {
  // Every tsalive-ssh these tests started runs this checkout's main.ts or bin (absolute paths, so another checkout's
  // tests on the same machine do not count), whether still our child or reparented away.
  const main = RUN[RUN.length - 1] as string;
  const left = listProcesses().filter((p) => p.pid !== process.pid && (p.args.includes(main) || p.args.includes(BIN)));
  assert.deepEqual(
    left.map((p) => `${p.pid} ${p.args}`),
    [],
  );
});
