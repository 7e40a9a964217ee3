import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestClock } from "@tsalive/core/testing";
import { ChainError } from "./chain.ts";
import { ClientTimeoutError } from "./errors.ts";
import { classifyCause, type Supervised, type SupervisorEvents, supervise } from "./reconnect.ts";

/** A connection the test ends by hand. */
class FakeSession implements Supervised {
  readonly closed: Promise<{ error?: Error | undefined }>;
  closeCalls = 0;
  #end!: (end: { error?: Error | undefined }) => void;
  constructor() {
    this.closed = new Promise((resolve) => {
      this.#end = resolve;
    });
  }
  die(error?: Error): void {
    this.#end({ error });
  }
  close(): void {
    this.closeCalls++;
    this.#end({});
  }
}

/** A connect() that hands out fresh sessions, and the sessions it made, latest last. */
function sessionSource(): { sessions: FakeSession[]; connect: () => Promise<FakeSession> } {
  const sessions: FakeSession[] = [];
  return {
    sessions,
    connect: async () => {
      const session = new FakeSession();
      sessions.push(session);
      return session;
    },
  };
}

/** Lets promise callbacks run (no real time passes). */
const flush = () => new Promise((resolve) => setImmediate(resolve));

const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:22"), { code: "ECONNREFUSED" });
const authFailed = () =>
  Object.assign(new Error("All configured authentication methods failed"), { level: "client-authentication" });

/** Records every event, in order, as `name` or `name:detail`. */
function record<S>(supervisor: {
  on<K extends keyof SupervisorEvents<S>>(e: K, l: (p: SupervisorEvents<S>[K]) => void): unknown;
}) {
  const log: string[] = [];
  supervisor.on("connecting", ({ attempt }) => log.push(`connecting ${attempt}`));
  supervisor.on("connected", ({ attempt, reconnected }) =>
    log.push(`connected ${attempt}${reconnected ? " again" : ""}`),
  );
  supervisor.on("disconnected", ({ cause, connected }) => log.push(`${connected ? "lost" : "failed"} ${cause}`));
  supervisor.on("waiting", ({ attempt, delay }) => log.push(`waiting ${delay} for ${attempt}`));
  supervisor.on("end", (end) => log.push(`end ${end.reason}${"why" in end ? ` ${end.why}` : ""}`));
  return log;
}

describe("classifyCause", () => {
  it("reads every cause the supervisor tells apart", () => {
    assert.equal(classifyCause(new ClientTimeoutError("ALIVE_TIMEOUT", "h")), "liveness");
    assert.equal(classifyCause(new ClientTimeoutError("REPLY_TIMEOUT", "h")), "liveness");
    assert.equal(classifyCause(new ClientTimeoutError("CONNECT_TIMEOUT", "h")), "refused");
    assert.equal(classifyCause(refused()), "refused");
    assert.equal(classifyCause(Object.assign(new Error("x"), { code: "ENOTFOUND" })), "refused");
    assert.equal(classifyCause(Object.assign(new Error("x"), { code: "ECONNRESET" })), "peer-close");
    assert.equal(classifyCause(undefined), "peer-close");
    assert.equal(classifyCause(authFailed()), "auth");
    assert.equal(classifyCause(new Error("Host denied (verification failed)")), "host-key");
    assert.equal(classifyCause(new ChainError({ hop: "inner", index: 1 }, authFailed())), "auth");
    assert.equal(classifyCause(new Error("something else")), "error");
  });
});

describe("supervise", () => {
  it("retries with exponential backoff, jitter taken off, up to the cap", async () => {
    const time = new TestClock();
    const supervisor = supervise({
      connect: () => Promise.reject(refused()),
      gate: 0,
      backoff: { initial: 1000, max: 5000, factor: 2, jitter: 0.5 },
      random: () => 0.5, // a quarter off
      time,
    });
    const delays: number[] = [];
    supervisor.on("waiting", ({ delay }) => delays.push(delay));
    for (let i = 0; i < 5; i++) {
      await flush();
      time.advance(delays.at(-1) ?? 0);
    }
    await flush();
    assert.deepEqual(delays, [750, 1500, 3000, 3750, 3750, 3750]);
    await supervisor.stop();
    assert.equal(time.pendingTimers, 0, "stop() leaves no timer");
  });

  it("gate: a first connection that fails within the gate time is not retried", async () => {
    const time = new TestClock();
    const supervisor = supervise({ connect: () => Promise.reject(refused()), gate: 30_000, time });
    const log = record(supervisor);
    const end = await supervisor.ended;
    assert.equal(
      end.reason === "gave-up" && `${end.why} ${end.cause} ${end.error?.message}`,
      "gate refused connect ECONNREFUSED 127.0.0.1:22",
    );
    assert.deepEqual(log, ["connecting 1", "failed refused", "end gave-up gate"]);
    assert.equal(time.pendingTimers, 0);
  });

  it("gate: a first connection that lasted past the gate time is retried", async () => {
    const time = new TestClock();
    const { sessions, connect } = sessionSource();
    const supervisor = supervise({
      connect,
      gate: 10_000,
      backoff: { jitter: 0 },
      time,
    });
    const log = record(supervisor);
    await flush();
    time.advance(10_000);
    sessions[0]?.die(new ClientTimeoutError("ALIVE_TIMEOUT", "bastion"));
    await flush();
    time.advance(1000);
    await flush();
    assert.deepEqual(log, [
      "connecting 1",
      "connected 1",
      "lost liveness",
      "waiting 1000 for 2",
      "connecting 2",
      "connected 2 again",
    ]);
    await supervisor.stop();
    assert.equal(sessions[1]?.closeCalls, 1, "stop() closes the current connection");
  });

  for (const [name, error, cause] of [
    ["an auth failure", authFailed(), "auth"],
    ["a host key mismatch", new Error("Host denied (verification failed)"), "host-key"],
  ] as const) {
    it(`${name} is never retried, even after the gate time`, async () => {
      const time = new TestClock();
      let attempts = 0;
      const sessions: FakeSession[] = [];
      const supervisor = supervise({
        connect: async () => {
          attempts++;
          if (attempts === 2) throw error;
          const session = new FakeSession();
          sessions.push(session);
          return session;
        },
        gate: 1000,
        backoff: { jitter: 0 },
        time,
      });
      const log = record(supervisor);
      await flush();
      time.advance(2000);
      sessions[0]?.die();
      await flush();
      time.advance(1000);
      await flush();
      assert.deepEqual(log, [
        "connecting 1",
        "connected 1",
        "lost peer-close",
        "waiting 1000 for 2",
        "connecting 2",
        `failed ${cause}`,
        "end gave-up never-retried",
      ]);
      assert.equal(attempts, 2);
      assert.equal(time.pendingTimers, 0);
    });
  }

  it("re-establishes forwards on every connection; the command runs once unless rerun", async () => {
    for (const rerun of [false, true]) {
      const time = new TestClock();
      const { sessions, connect } = sessionSource();
      const established: string[] = [];
      let runs = 0;
      const supervisor = supervise({
        connect,
        establish: (_session, { attempt, reconnected }) => {
          established.push(`${attempt}${reconnected ? " again" : ""}`);
        },
        run: () => {
          runs++;
          return new Promise(() => {}); // a long-running command
        },
        rerun,
        gate: 0,
        backoff: { jitter: 0 },
        time,
      });
      await flush();
      sessions[0]?.die(new ClientTimeoutError("ALIVE_TIMEOUT", "inner"));
      await flush();
      time.advance(1000);
      await flush();
      assert.deepEqual(established, ["1", "2 again"]);
      assert.equal(runs, rerun ? 2 : 1, `rerun: ${rerun}`);
      await supervisor.stop();
    }
  });

  it("ends with done when the command finishes, and closes the connection", async () => {
    const session = new FakeSession();
    const supervisor = supervise({ connect: async () => session, run: async () => 7, gate: 0, time: new TestClock() });
    assert.deepEqual(await supervisor.ended, { reason: "done", result: 7 });
    assert.equal(session.closeCalls, 1);
  });

  it("a connection that dies before the gate time keeps backing off; one that lasted it starts over", async () => {
    const time = new TestClock();
    const { sessions, connect } = sessionSource();
    const supervisor = supervise({
      connect,
      gate: 5000,
      backoff: { jitter: 0 },
      time,
    });
    const delays: number[] = [];
    supervisor.on("waiting", ({ delay }) => delays.push(delay));
    await flush();
    time.advance(5000); // the first one passes the gate
    for (const lived of [100, 100, 6000, 100]) {
      time.advance(lived);
      sessions.at(-1)?.die();
      await flush();
      time.advance(delays.at(-1) ?? 0);
      await flush();
    }
    // The first loss comes after 5.1 s up: 1000; one 0.1 s up: 2000; one 6 s up starts over: 1000; then 2000.
    assert.deepEqual(delays, [1000, 2000, 1000, 2000]);
    await supervisor.stop();
  });

  it("maxAttempts gives up after that many failures in a row", async () => {
    const time = new TestClock();
    const supervisor = supervise({
      connect: () => Promise.reject(refused()),
      gate: 0,
      maxAttempts: 3,
      backoff: { jitter: 0 },
      time,
    });
    const log = record(supervisor);
    for (let i = 0; i < 3; i++) {
      await flush();
      time.advance(10_000);
    }
    await supervisor.ended;
    assert.deepEqual(log.at(-1), "end gave-up attempts");
    assert.equal(log.filter((line) => line.startsWith("connecting")).length, 3);
  });

  it("refuses bad options, naming them", () => {
    const connect = () => Promise.reject(refused());
    assert.throws(() => supervise({ connect, backoff: { jitter: 2 } }), {
      message: 'Cannot supervise connection: "backoff.jitter" must be a number from 0 to 1, received 2',
    });
    assert.throws(
      () => supervise({ connect, backoff: { initial: 5000, max: 1000 } }),
      /"backoff.max" must be at least/,
    );
    assert.throws(
      () => supervise({ connect, maxAttempts: 0 }),
      /"maxAttempts" must be an integer of 1 or more, received 0/,
    );
    assert.throws(() => supervise({} as never), /"connect" must be a function/);
  });
});
