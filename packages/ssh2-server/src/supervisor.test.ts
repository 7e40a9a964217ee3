/**
 * The supervisor's kill policy on the test clock, over a simulated process table: who is reached, which signal
 * when, the PID-reuse checks, and the bounds. No process is started and nothing sleeps.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import type { ProcessStat, ProcessTable } from "./_process_table.ts";
import { AFTER_KILL, type StopTarget, stopProcesses } from "./_stop_processes.ts";
import { ProcessSupervisor } from "./supervisor.ts";

/** How a simulated process answers SIGHUP. */
type OnHangup = "exit" | "ignore";

interface Simulated extends ProcessStat {
  state: string;
  onHangup: OnHangup;
  /** Survives SIGKILL too (uninterruptible sleep). */
  unkillable?: boolean;
  hangupPending?: boolean;
  command: string;
}

const SELF = 100;

/** A process table and `kill()` over simulated processes, recording every signal with the time it was sent. */
class World {
  readonly clock = new TestClock();
  readonly processes = new Map<number, Simulated>();
  readonly signals: { at: number; target: number; signal: string }[] = [];
  /** `read()` answers for these PIDs as if another process had taken the number. */
  readonly reusedOnRead = new Set<number>();
  /** How long a read of the whole table takes, on the test clock (reading /proc is slow on a busy machine). */
  listDelay = 0;
  readonly table: ProcessTable = {
    list: () => {
      const snapshot = [...this.processes.values()].map((process) => ({ ...process }));
      if (this.listDelay === 0) return Promise.resolve(snapshot);
      return new Promise((resolve) => this.clock.setTimeout(() => resolve(snapshot), this.listDelay));
    },
    read: (pid) => {
      const process = this.processes.get(pid);
      if (process === undefined) return undefined;
      return this.reusedOnRead.has(pid) ? { ...process, startTime: process.startTime + 1 } : { ...process };
    },
    commandOf: (pid) => this.processes.get(pid)?.command,
  };

  add(
    pid: number,
    fields: Partial<Omit<Simulated, "pid">> & { session: number },
    onHangup: OnHangup = "exit",
  ): Simulated {
    const process: Simulated = {
      pid,
      ppid: fields.ppid ?? fields.session,
      pgrp: fields.pgrp ?? fields.session,
      session: fields.session,
      state: fields.state ?? "S",
      startTime: fields.startTime ?? 1000 + pid,
      comm: fields.comm ?? "sleep",
      command: fields.command ?? `sleep ${pid}`,
      onHangup,
      ...(fields.unkillable !== undefined && { unkillable: fields.unkillable }),
    };
    this.processes.set(pid, process);
    return process;
  }

  signal: (target: number, signal: NodeJS.Signals | 0) => boolean = (target, signal) => {
    const group = target < 0 ? [...this.processes.values()].filter((p) => p.pgrp === -target) : undefined;
    const reached = group ?? [this.processes.get(target)].filter((p): p is Simulated => p !== undefined);
    if (reached.length === 0) return false;
    if (signal !== 0) this.signals.push({ at: this.clock.now(), target, signal });
    for (const process of reached) this.#deliver(process, signal);
    return true;
  };

  #deliver(process: Simulated, signal: NodeJS.Signals | 0): void {
    if (signal === "SIGKILL" && process.unkillable !== true) this.processes.delete(process.pid);
    if (signal === "SIGHUP" && process.onHangup === "exit") {
      if (process.state === "T") process.hangupPending = true;
      else this.processes.delete(process.pid);
    }
    if (signal === "SIGCONT" && process.state === "T") {
      process.state = "S";
      if (process.hangupPending === true) this.processes.delete(process.pid);
    }
  }

  environment(grace: number) {
    return { table: this.table, signal: this.signal, clock: this.clock, timers: this.clock, grace, self: SELF };
  }

  /** Signals sent to `pid` as `SIGNAL@ms`. */
  sentTo(pid: number): string[] {
    return this.signals.filter((s) => s.target === pid).map((s) => `${s.signal}@${s.at}`);
  }
}

/** Lets promise continuations run (the table is read asynchronously). */
async function flush(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** Moves the test clock `ms` forward, 1 ms at a time, running what each step schedules. */
async function advance(clock: TestClock, ms: number): Promise<void> {
  await flush();
  for (let i = 0; i < ms; i++) {
    clock.advance(1);
    await flush();
  }
}

function leader(pid: number, world: World): StopTarget {
  return { pid, startTime: world.processes.get(pid)?.startTime, leadsSession: true, command: "" };
}

/** Moves the clock until `promise` settles (at most `max` ms); its value. */
async function finish<T>(clock: TestClock, promise: Promise<T>, max = 10_000): Promise<T> {
  const run = settled(promise);
  for (let i = 0; i < max && !run.done; i++) await advance(clock, 1);
  assert.ok(run.done, `settled within ${max} ms`);
  return run.value as T;
}

/** Tracks a promise's settlement, so a test can ask whether it has resolved yet. */
function settled<T>(promise: Promise<T>): { readonly done: boolean; readonly value: T | undefined } {
  const state: { done: boolean; value: T | undefined } = { done: false, value: undefined };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

describe("stopProcesses", () => {
  it("SIGHUPs every process of the session at once and SIGKILLs one that ignores it exactly at the grace", async () => {
    const world = new World();
    world.add(SELF, { session: 1 }); // the server
    world.add(200, { session: 200, command: "/bin/bash -l" }); // the session's leader (a pty shell)
    world.add(201, { session: 200, pgrp: 201 }); // a job of its own: `sleep 600 &` under job control
    world.add(202, { session: 200, pgrp: 202, ppid: 1 }); // `(sleep 600 &)`: reparented, same session
    world.add(203, { session: 200, pgrp: 203 }, "ignore"); // `trap '' HUP` / nohup
    world.add(300, { session: 300 }); // another connection's session
    world.add(400, { session: 400, ppid: 1 }); // escaped with setsid: a session of its own
    const run = settled(stopProcesses([leader(200, world)], world.environment(2000)));
    await flush();
    assert.deepEqual(
      world.signals.map((s) => `${s.target} ${s.signal}@${s.at}`),
      ["200 SIGHUP@0", "201 SIGHUP@0", "202 SIGHUP@0", "203 SIGHUP@0"],
    );
    await advance(world.clock, 1999);
    assert.deepEqual(world.sentTo(203), ["SIGHUP@0"], "no SIGKILL before the grace has passed");
    assert.equal(run.done, false);
    await advance(world.clock, 1);
    assert.deepEqual(world.sentTo(203), ["SIGHUP@0", "SIGKILL@2000"]);
    await advance(world.clock, 20);
    assert.equal(run.done, true);
    assert.deepEqual(run.value, [
      { pid: 200, command: "/bin/bash -l", signal: "SIGHUP" },
      { pid: 201, command: "sleep 201", signal: "SIGHUP" },
      { pid: 202, command: "sleep 202", signal: "SIGHUP" },
      { pid: 203, command: "sleep 203", signal: "SIGKILL" },
    ]);
    assert.deepEqual([...world.processes.keys()], [SELF, 300, 400], "the server, the other session, the escapee");
  });

  it("SIGKILLs the known survivors the moment the grace ends, however long a read of the table takes", async () => {
    const world = new World();
    world.listDelay = 15;
    world.add(200, { session: 200 }, "ignore");
    const run = settled(stopProcesses([leader(200, world)], world.environment(1000)));
    await advance(world.clock, 15);
    assert.deepEqual(world.sentTo(200), ["SIGHUP@15"], "the first read comes before the first signal");
    await advance(world.clock, 999);
    assert.deepEqual(world.sentTo(200), ["SIGHUP@15"]);
    await advance(world.clock, 1);
    assert.deepEqual(world.sentTo(200), ["SIGHUP@15", "SIGKILL@1015"]);
    await advance(world.clock, 15);
    assert.equal(run.done, true);
  });

  it("resolves as soon as the last process is gone, without waiting for the grace", async () => {
    const world = new World();
    world.add(200, { session: 200 });
    world.add(201, { session: 200, pgrp: 201 });
    const run = settled(stopProcesses([leader(200, world)], world.environment(2000)));
    await advance(world.clock, 20);
    assert.equal(run.done, true);
    assert.equal(world.signals.length, 2);
  });

  it("continues a stopped process right after its SIGHUP, so it can act on it", async () => {
    const world = new World();
    world.add(200, { session: 200 });
    world.add(201, { session: 200, pgrp: 201, state: "T" }); // `sleep 600 &` then `kill -STOP`
    const run = settled(stopProcesses([leader(200, world)], world.environment(2000)));
    await flush();
    assert.deepEqual(world.sentTo(201), ["SIGHUP@0", "SIGCONT@0"]);
    assert.deepEqual(world.sentTo(200), ["SIGHUP@0"], "a running process gets no SIGCONT");
    await advance(world.clock, 20);
    assert.equal(run.done, true);
    assert.equal(world.processes.size, 0);
  });

  it("reaches a group whose leader exited: the group id still names it, the leader's PID is free", async () => {
    const world = new World();
    world.add(201, { session: 200, pgrp: 200, ppid: 1 }); // `cmd & exit`: the shell 200 is gone
    const target: StopTarget = { pid: 200, startTime: 1200, leadsSession: true, command: "" };
    await finish(world.clock, stopProcesses([target], world.environment(500)));
    assert.deepEqual(world.sentTo(201), ["SIGHUP@0"]);
  });

  it("never signals a PID whose start time changed since it was listed (the number was reused)", async () => {
    const world = new World();
    world.add(200, { session: 200 });
    world.add(201, { session: 200, pgrp: 201 });
    world.reusedOnRead.add(201);
    const run = settled(stopProcesses([leader(200, world)], world.environment(100)));
    await advance(world.clock, 100 + AFTER_KILL + 40);
    assert.equal(run.done, true);
    assert.deepEqual(world.sentTo(201), []);
    assert.deepEqual(
      run.value?.map((p) => p.pid),
      [200, 201],
      "201 was the session's when listed, and has gone",
    );
  });

  it("reaches nothing when the leader's PID now names another process: that session is not ours", async () => {
    const world = new World();
    world.add(200, { session: 200, startTime: 9000 }); // a new process that took the number and made a session
    world.add(201, { session: 200, pgrp: 201, startTime: 9001 });
    const target: StopTarget = { pid: 200, startTime: 1200, leadsSession: true, command: "" };
    const stopped = await finish(world.clock, stopProcesses([target], world.environment(100)));
    assert.deepEqual(stopped, []);
    assert.deepEqual(world.signals, []);
  });

  it("ignores processes that started before the leader, and zombies", async () => {
    const world = new World();
    world.add(200, { session: 200, startTime: 5000 });
    world.add(150, { session: 200, pgrp: 150, startTime: 10 }); // cannot be the session's: older than its leader
    world.add(201, { session: 200, pgrp: 201, state: "Z" });
    const stopped = await finish(world.clock, stopProcesses([leader(200, world)], world.environment(100)));
    assert.deepEqual(
      stopped.map((p) => p.pid),
      [200],
    );
    assert.deepEqual(world.sentTo(150), []);
    assert.deepEqual(world.sentTo(201), []);
  });

  it("a group leader that is not a session leader takes its group only", async () => {
    const world = new World();
    world.add(SELF, { session: 1 });
    world.add(200, { session: 1, pgrp: 200 }); // setpgid() only: the server's session
    world.add(201, { session: 1, pgrp: 200 });
    world.add(202, { session: 1, pgrp: 202 }); // another group of the server's session
    const target: StopTarget = { ...leader(200, world), leadsSession: false };
    const stopped = await finish(world.clock, stopProcesses([target], world.environment(100)));
    assert.deepEqual(
      stopped.map((p) => p.pid),
      [200, 201],
    );
    assert.deepEqual([...world.processes.keys()], [SELF, 202]);
  });

  it("signals what appears meanwhile with the signal of the moment", async () => {
    const world = new World();
    world.add(200, { session: 200 }, "ignore");
    const run = settled(stopProcesses([leader(200, world)], world.environment(1000)));
    await advance(world.clock, 500);
    world.add(201, { session: 200, pgrp: 201 }, "ignore"); // forked during the grace
    await advance(world.clock, 20);
    assert.deepEqual(world.sentTo(201), ["SIGHUP@520"]);
    await advance(world.clock, 480);
    assert.deepEqual(world.sentTo(200), ["SIGHUP@0", "SIGKILL@1000"]);
    assert.deepEqual(world.sentTo(201), ["SIGHUP@520", "SIGKILL@1000"]);
    await advance(world.clock, 20);
    assert.equal(run.done, true);
  });

  it("gives up AFTER_KILL ms after the SIGKILL on a process that does not die", async () => {
    const world = new World();
    world.add(200, { session: 200, state: "D", unkillable: true }, "ignore");
    const run = settled(stopProcesses([leader(200, world)], world.environment(300)));
    await advance(world.clock, 300 + AFTER_KILL - 1);
    assert.equal(run.done, false);
    await advance(world.clock, 1);
    assert.equal(run.done, true);
    assert.deepEqual(run.value, [{ pid: 200, command: "sleep 200", signal: "SIGKILL" }]);
  });

  it("without a process table, signals each process group as a whole", async () => {
    const world = new World();
    world.add(200, { session: 200 }, "ignore");
    world.add(201, { session: 200 });
    const environment = {
      ...world.environment(300),
      table: { ...world.table, list: () => Promise.resolve(undefined) },
    };
    const run = settled(stopProcesses([{ ...leader(200, world), command: "sh -c x" }], environment));
    await flush();
    assert.deepEqual(world.sentTo(-200), ["SIGHUP@0", "SIGCONT@0"]);
    await advance(world.clock, 300);
    assert.deepEqual(world.sentTo(-200), ["SIGHUP@0", "SIGCONT@0", "SIGKILL@300"]);
    await advance(world.clock, 20);
    assert.equal(run.done, true);
    assert.deepEqual(run.value, [{ pid: 200, command: "sh -c x", signal: "SIGKILL" }]);
  });
});

/** A leader as the supervisor tracks it: a pid, and an exit it reports. */
class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: string | null = null;
  constructor(
    readonly pid: number,
    world: World,
  ) {
    super();
    const check = world.signal;
    // The leader's 'exit' follows its disappearance from the table, as Node reports it once reaped.
    world.signal = (target, signal) => {
      const delivered = check(target, signal);
      if (this.exitCode === null && this.signalCode === null && !world.processes.has(pid)) this.exit(signal || null);
      return delivered;
    };
  }
  exit(signal: string | null, code = 0): void {
    if (signal === null) this.exitCode = code;
    else this.signalCode = signal;
    this.emit("exit", this.exitCode, this.signalCode);
  }
}

function supervisorOf(world: World, grace = 1000): ProcessSupervisor {
  return new ProcessSupervisor({
    killGrace: grace,
    time: world.clock,
    processTable: world.table,
    signal: (target, signal) => world.signal(target, signal),
  });
}

describe("ProcessSupervisor (simulated processes)", () => {
  it("keeps a session whose leader exited while its processes run (`cmd & exit`), and stops them", async () => {
    const world = new World();
    const supervisor = supervisorOf(world);
    world.add(200, { session: 200, command: "sh -c sleep 600 & exit" });
    const child = supervisor.track(new FakeChild(200, world));
    world.add(201, { session: 200, ppid: 1 });
    world.processes.delete(200);
    child.exit(null, 0);
    await advance(world.clock, 5);
    assert.equal(supervisor.size, 1, "the leader is gone, its session is not");
    const stopped = settled(supervisor.stopAll());
    await advance(world.clock, 20);
    assert.deepEqual(stopped.value, [{ pid: 201, command: "sleep 201", signal: "SIGHUP" }]);
    assert.equal(supervisor.size, 0);
  });

  it("forgets a session once its leader exited and nothing of it is left", async () => {
    const world = new World();
    const supervisor = supervisorOf(world);
    world.add(200, { session: 200 });
    const child = supervisor.track(new FakeChild(200, world));
    world.processes.delete(200);
    child.exit(null, 3);
    await advance(world.clock, 1);
    assert.equal(supervisor.size, 0);
  });

  it("takes a pty child that has not called setsid() yet for a session leader", async () => {
    const world = new World();
    const supervisor = supervisorOf(world);
    world.add(SELF, { session: 1 });
    world.add(200, { session: 1, pgrp: 1 }); // just forked: still in the server's session and group
    supervisor.track(new FakeChild(200, world));
    Object.assign(world.processes.get(200) as Simulated, { session: 200, pgrp: 200 }); // setsid()
    world.add(201, { session: 200, pgrp: 201 });
    const stopped = settled(supervisor.stopAll());
    await advance(world.clock, 20);
    assert.deepEqual(
      stopped.value?.map((p) => p.pid),
      [200, 201],
    );
    assert.deepEqual([...world.processes.keys()], [SELF]);
  });

  it("stop(child) stops that session only, and twice is the same run", async () => {
    const world = new World();
    const supervisor = supervisorOf(world);
    world.add(200, { session: 200 }, "ignore");
    world.add(300, { session: 300 });
    const first = supervisor.track(new FakeChild(200, world));
    supervisor.track(new FakeChild(300, world));
    const a = supervisor.stop(first);
    assert.equal(supervisor.stop(first), a);
    await advance(world.clock, 1000);
    assert.deepEqual(world.sentTo(200), ["SIGHUP@0", "SIGKILL@1000"]);
    assert.deepEqual(world.sentTo(300), []);
    await advance(world.clock, 20);
    assert.equal(supervisor.size, 1);
    assert.deepEqual(await a, [{ pid: 200, command: "sleep 200", signal: "SIGKILL" }]);
  });

  it("stopAll() closes: a process tracked afterwards is stopped at once", async () => {
    const world = new World();
    const supervisor = supervisorOf(world);
    assert.deepEqual(await supervisor.stopAll(), [], "nothing to stop, no time needed");
    assert.equal(supervisor.closed, true);
    world.add(200, { session: 200 });
    supervisor.track(new FakeChild(200, world));
    await flush();
    assert.deepEqual(world.sentTo(200), ["SIGHUP@0"]);
  });

  it("checks its options as they come in", () => {
    assert.throws(() => new ProcessSupervisor({ killGrace: -1 }), /"killGrace" must be .* received -1/);
    assert.throws(
      () => new ProcessSupervisor({ time: {} as TestClock }),
      /"time" must have now\(\), setTimeout\(\) and clearTimeout\(\), received \[object Object\]/,
    );
    assert.throws(
      () => new ProcessSupervisor({ processTable: {} as ProcessTable }),
      /"processTable" must have list\(\), read\(\) and commandOf\(\), received \[object Object\]/,
    );
    assert.throws(
      () => new ProcessSupervisor({ signal: 5 as unknown as () => boolean }),
      /"signal" must be a function, received 5/,
    );
  });
});
