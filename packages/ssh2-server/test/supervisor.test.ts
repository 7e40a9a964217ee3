/**
 * The process supervisor with real processes (integration, reads the process table): groups of their own, SIGHUP
 * then SIGKILL after the grace period, waiting until each group is empty, and nothing left behind.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { descendantsOf, isRunning, listProcesses, readProcess, stopAll, waitUntil } from "@tsalive/test-support";
import { ProcessSupervisor } from "../src/index.ts";

after(stopAll);

function sleepsBelow(pid: number): number[] {
  return descendantsOf(pid)
    .filter((entry) => /^sleep \d+$/.test(entry.args))
    .map((entry) => entry.pid);
}

describe("ProcessSupervisor", () => {
  it("starts each child in a process group of its own", async () => {
    const supervisor = new ProcessSupervisor({ killGrace: 200 });
    const child = supervisor.spawn("/bin/sh", ["-c", "sleep 30 & exec sleep 31"], { stdio: "ignore" });
    assert.ok(child.pid !== undefined);
    await waitUntil(() => sleepsBelow(process.pid).length === 2, { timeout: 3000, what: "the sleeps" });
    assert.equal(readProcess(child.pid)?.pgid, child.pid);
    for (const pid of sleepsBelow(process.pid)) assert.equal(readProcess(pid)?.pgid, child.pid);
    assert.deepEqual(supervisor.pids, [child.pid]);
    await supervisor.stopAll();
  });

  it("SIGHUP stops the group at once; a process ignoring it is SIGKILLed after the grace period", async () => {
    const supervisor = new ProcessSupervisor({ killGrace: 300 });
    const polite = supervisor.spawn("/bin/sh", ["-c", "sleep 40 & exec sleep 41"], { stdio: "ignore" });
    const stubborn = supervisor.spawn("/bin/sh", ["-c", "trap '' HUP; sleep 42 & exec sleep 43"], { stdio: "ignore" });
    await waitUntil(() => sleepsBelow(process.pid).length === 4, { timeout: 3000, what: "the sleeps" });
    const all = sleepsBelow(process.pid);
    const startedAt = performance.now();
    let politeGoneAt = Number.NaN;
    const watching = waitUntil(
      () => {
        if (Number.isNaN(politeGoneAt) && polite.exitCode === null && polite.signalCode !== null) {
          politeGoneAt = performance.now();
        }
        return !Number.isNaN(politeGoneAt);
      },
      { timeout: 3000, interval: 5, what: "the polite group" },
    );
    await supervisor.stopAll();
    await watching;
    const took = performance.now() - startedAt;
    assert.equal(polite.signalCode, "SIGHUP");
    assert.equal(stubborn.signalCode, "SIGKILL");
    assert.ok(politeGoneAt - startedAt < 250, "SIGHUP acted at once");
    assert.ok(took >= 300 && took < 300 + 1500, `stopAll took ${took.toFixed(0)} ms`);
    for (const pid of all) assert.equal(isRunning(pid), false, `pid ${pid} is gone`);
    assert.equal(supervisor.size, 0);
  });

  it("continues a stopped group so that it can act on SIGHUP", async () => {
    const supervisor = new ProcessSupervisor({ killGrace: 2000 });
    const child = supervisor.spawn("/bin/sh", ["-c", "exec sleep 44"], { stdio: "ignore" });
    await waitUntil(() => readProcess(child.pid as number)?.args === "sleep 44", { timeout: 3000, what: "sleep" });
    process.kill(child.pid as number, "SIGSTOP");
    const startedAt = performance.now();
    await supervisor.stopAll();
    assert.equal(child.signalCode, "SIGHUP");
    assert.ok(performance.now() - startedAt < 1000, "no need to wait for the SIGKILL");
  });

  it("tracks children spawned elsewhere, refuses new ones once closed, and stops late arrivals at once", async () => {
    const supervisor = new ProcessSupervisor({ killGrace: 200 });
    const adopted = supervisor.track(spawn("sleep", ["45"], { detached: true, stdio: "ignore" }));
    assert.equal(supervisor.size, 1);
    await supervisor.stopAll();
    assert.equal(adopted.signalCode, "SIGHUP");
    assert.equal(supervisor.closed, true);
    assert.throws(() => supervisor.spawn("sleep", ["46"]), /supervisor is closed/);
    const late = spawn("sleep", ["47"], { detached: true, stdio: "ignore" });
    supervisor.track(late);
    await waitUntil(() => late.signalCode !== null, { timeout: 3000, what: "the late child to be stopped" });
    await waitUntil(() => supervisor.size === 0, { timeout: 1000, what: "the supervisor to forget it" });
  });

  it("reaches a group whose leader exited, and names what it stopped", async () => {
    const supervisor = new ProcessSupervisor({ killGrace: 300 });
    const child = supervisor.spawn("/bin/sh", ["-c", "sleep 48 & (trap '' HUP; exec sleep 49) & exit 0"], {
      stdio: "ignore",
    });
    await new Promise((resolve) => child.once("exit", resolve));
    const leftBehind = () => listProcesses().filter((entry) => entry.pgid === child.pid && entry.stat !== "Z");
    await waitUntil(() => leftBehind().filter((entry) => /^sleep 4[89]$/.test(entry.args)).length === 2, {
      timeout: 3000,
      what: "the two sleeps, reparented",
    });
    const left = leftBehind();
    assert.equal(supervisor.size, 1, "the leader exited, its session did not");
    const stopped = await supervisor.stopAll();
    assert.deepEqual(
      stopped.map(({ pid, command, signal }) => `${pid} ${command} ${signal}`).sort(),
      left.map((entry) => `${entry.pid} ${entry.args} ${entry.args === "sleep 49" ? "SIGKILL" : "SIGHUP"}`).sort(),
    );
    for (const entry of left) assert.equal(isRunning(entry.pid), false, `pid ${entry.pid} is gone`);
  });

  it("forgets a child that exits by itself", async () => {
    const supervisor = new ProcessSupervisor();
    const child = supervisor.spawn("/bin/sh", ["-c", "exit 3"], { stdio: "ignore" });
    await new Promise((resolve) => child.once("exit", resolve));
    await waitUntil(() => supervisor.size === 0, { timeout: 1000, what: "the supervisor to forget it" });
    assert.equal(child.exitCode, 3);
  });

  it("checks killGrace", () => {
    assert.throws(() => new ProcessSupervisor({ killGrace: -1 }), /"killGrace" must be .* received -1/);
  });
});
