/**
 * Integration test of the client launchers (OpenSSH `ssh`, Dropbear `dbclient`) against a real sshd on loopback
 * (real time, every wait bounded). Skipped with a reason when a peer is missing, never under CI=true.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  isRunning,
  skipUnlessPeers,
  startDbclient,
  startSshClient,
  startSshd,
  stopAll,
  toDropbearKey,
} from "../src/index.ts";

after(stopAll);

describe("client launchers", () => {
  it("startSshClient runs a command, and -vvv with -o options shows in the log", {
    skip: skipUnlessPeers("sshd", "ssh"),
  }, async () => {
    const sshd = await startSshd();
    const ssh = startSshClient({
      port: sshd.port,
      user: sshd.user,
      identity: sshd.clientKey.privatePath,
      command: "echo launched-$((6 * 7))",
      options: { ServerAliveInterval: 7, ServerAliveCountMax: 2 },
      verbose: true,
    });
    const exit = await ssh.exited;
    assert.equal(exit.code, 0, ssh.output.slice(-2000));
    assert.match(ssh.output, /^launched-42$/m);
    assert.match(ssh.output, /Authenticated to 127\.0\.0\.1 .* using "publickey"/);
    assert.match(ssh.output, /Sending command: echo launched/);
  });

  it("startSshClient without -vvv logs errors only, and freeze/stop end it", {
    skip: skipUnlessPeers("sshd", "ssh"),
  }, async () => {
    const sshd = await startSshd();
    const ssh = startSshClient({
      port: sshd.port,
      user: sshd.user,
      identity: sshd.clientKey.privatePath,
      command: "echo ready; sleep 30",
    });
    await ssh.waitForOutput(/ready/);
    assert.doesNotMatch(ssh.output, /debug1/);
    ssh.freeze();
    await ssh.stop(500);
    assert.equal(isRunning(ssh.pid), false);
  });

  it("startDbclient logs in with a converted key and -y -y", {
    skip: skipUnlessPeers("sshd", "dbclient"),
  }, async () => {
    const sshd = await startSshd();
    const db = startDbclient({
      port: sshd.port,
      user: sshd.user,
      identity: toDropbearKey(sshd.clientKey),
      command: "echo dropbear-$((6 * 7))",
      args: ["-K", "5"],
    });
    const exit = await db.exited;
    assert.equal(exit.code, 0, db.output);
    assert.match(db.output, /^dropbear-42$/m);
  });
});
