/**
 * Integration (real OpenSSH `ssh` and Dropbear `dbclient`, frozen with SIGSTOP; reads `/proc`): tsalive-sshd's
 * watchdog stops every process of the silent session, and only those: a group whose leader exited, each job of a
 * pty shell (job control gives each its own process group), a reparented subshell, a job that ignores SIGHUP and
 * `nohup` (both need the SIGKILL after the grace), a stopped job, a subsystem, while another connection's survive,
 * and a process that made a session of its own (setsid) escapes, as under sshd. The log line names exactly the
 * processes that went; a normal close ends the whole session too. Sessions without a pty run with the newer
 * generations' clients (trixie, forky) as well.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { makeTempDir, stopAll, type TempDir, waitUntil } from "@tsalive/test-support";
import { startTsaliveSshd, type TsaliveSshd } from "./_server.ts";
import {
  CLIENTS,
  type Client,
  type ClientRequest,
  killSurvivors,
  type Member,
  NEWER_CLIENTS,
  processes,
  type RunningClient,
  sessionMembers,
  stillRunning,
} from "./_sessions.ts";

after(stopAll);
const user = process.env.USER ?? "root";
const WATCHDOG = 2000;
/** tsalive-sshd's default kill grace (the adapter's `killGrace`). */
const GRACE = 2000;
/** Lateness allowed on a slow, shared 2-core machine. */
const LATE = 3000;
const LOGIN_SHELL = "/bin/bash -l";

/**
 * Every connection answers ClientAlive probes each second, so only a frozen one is silent long enough for the
 * 2 s watchdog (the count is high: ClientAlive itself never ends a connection here).
 */
async function startServer(dir: TempDir): Promise<TsaliveSshd> {
  const script = dir.join("subsystem.sh");
  writeFileSync(script, "sleep 6012 &\nexec sleep 6013\n");
  return startTsaliveSshd(
    ["ClientAliveInterval 1", "ClientAliveCountMax 100", `Subsystem wdtest /bin/sh ${script}`],
    [`WatchdogTimeout ${WATCHDOG / 1000}`],
  );
}

const SESSION_LINE = /session: (?:shell|command "[^"]*"|subsystem \S+) (?:in a pty|over pipes), session ([0-9]+)\n/g;

/** The session id of the `index`-th session tsalive-sshd started (its leader's PID). */
async function sessionId(server: TsaliveSshd, index: number): Promise<number> {
  await waitUntil(() => [...server.log().matchAll(SESSION_LINE)].length > index, {
    timeout: 10_000,
    what: `session ${index} to start`,
  });
  return Number([...server.log().matchAll(SESSION_LINE)][index]?.[1]);
}

/** Waits until session `id` runs exactly the processes `args` (sorted), and returns them. */
async function settled(id: number, args: readonly string[]): Promise<Member[]> {
  const want = [...args].sort();
  await waitUntil(
    () => {
      const now = sessionMembers(id).map((member) => member.args);
      return JSON.stringify(now.sort()) === JSON.stringify(want);
    },
    { timeout: 10_000, what: `session ${id} to run ${want.join(", ")}` },
  );
  return sessionMembers(id);
}

const STOPPED_LINE =
  /Watchdog: stopped ([0-9]+) process(?:es)? of user \S+ 127\.0\.0\.1 port [0-9]+(?:: (.*))?; (.*)\n/;

/** The watchdog's log line: each process it stopped with its last signal, and what it says of the escape. */
async function watchdogReport(
  server: TsaliveSshd,
): Promise<{ readonly stopped: Map<number, string>; readonly escape: string }> {
  const line = await server.waitForLog(STOPPED_LINE, WATCHDOG + GRACE + LATE);
  const stopped = new Map<number, string>();
  for (const match of (line[2] ?? "").matchAll(/([0-9]+) \(([^)]*)\) (SIGHUP|SIGKILL)/g)) {
    stopped.set(Number(match[1]), `${match[2]} ${match[3]}`);
  }
  assert.equal(stopped.size, Number(line[1]), line[0]);
  return { stopped, escape: line[3] ?? "" };
}

/** What each member's report should read: `ARGS SIGNAL`, by PID. */
function expected(members: readonly Member[], killed: readonly string[]): Map<number, string> {
  return new Map(
    members.map((member) => [member.pid, `${member.args} ${killed.includes(member.args) ? "SIGKILL" : "SIGHUP"}`]),
  );
}

interface Scenario {
  readonly name: string;
  readonly request: ClientRequest;
  /** The session's processes once it has settled. */
  readonly runs: readonly string[];
  /** Those that ignore SIGHUP and so are SIGKILLed after the grace. */
  readonly killed: readonly string[];
  /** Those that must be stopped (state T) before the client is frozen. */
  readonly stopped?: readonly string[];
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: "`cmd & exit`: the group's leader exited, its background job is stopped",
    request: { command: "sleep 6001 & exit" },
    runs: ["sleep 6001"],
    killed: [],
  },
  {
    name: "a pty shell with `sleep 600 &` (a job in a group of its own) and a `(sleep 600 &)` subshell (reparented)",
    request: { pty: true, input: "sleep 6002 &\n(sleep 6003 &)\n" },
    runs: [LOGIN_SHELL, "sleep 6002", "sleep 6003"],
    killed: [],
  },
  {
    name: "a job that ignores SIGHUP (`trap '' HUP`) is SIGKILLed after the grace",
    request: { pty: true, input: "(trap '' HUP; exec sleep 6004) &\nsleep 6005 &\n" },
    runs: [LOGIN_SHELL, "sleep 6004", "sleep 6005"],
    killed: ["sleep 6004"],
  },
  {
    name: "a stopped job is continued and stopped",
    // Stopped once it is sleep: a job stopped between fork and exec would be a second login shell, not sleep.
    request: {
      pty: true,
      input: 'sleep 6006 &\nuntil read -r c </proc/$!/comm && [ "$c" = sleep ]; do :; done; kill -STOP $!\n',
    },
    runs: [LOGIN_SHELL, "sleep 6006"],
    killed: [],
    stopped: ["sleep 6006"],
  },
  {
    name: "`nohup` is SIGKILLed after the grace",
    request: { pty: true, input: "nohup sleep 6007 >/dev/null 2>&1 &\n" },
    runs: [LOGIN_SHELL, "sleep 6007"],
    killed: ["sleep 6007"],
  },
  {
    name: "a subsystem's processes (`Subsystem wdtest /bin/sh SCRIPT`)",
    request: { subsystem: "wdtest" },
    runs: ["sleep 6012", "sleep 6013"],
    killed: [],
  },
];

/** Logs in, waits until the session runs what it should, freezes the client and checks the watchdog's report. */
async function checkScenario(client: Client, scenario: Scenario): Promise<void> {
  const dir = makeTempDir("tsalive-watchdog-scope-");
  const server = await startServer(dir);
  let members: Member[] = [];
  let peer: RunningClient | undefined;
  try {
    peer = client.start(server, user, dir, scenario.request);
    const id = await sessionId(server, 0);
    members = await settled(id, scenario.runs);
    const stopped = scenario.stopped ?? [];
    await waitUntil(
      () => sessionMembers(id).filter((m) => m.state === "T" && stopped.includes(m.args)).length === stopped.length,
      { timeout: 5000, what: `${stopped.join(", ")} to be stopped` },
    );
    peer.freeze();
    const report = await watchdogReport(server);
    assert.deepEqual(report.stopped, expected(members, scenario.killed));
    assert.match(report.escape, /setsid/);
    const left = members.filter(stillRunning);
    assert.deepEqual(left, [], "every process of the session is gone when the line is logged");
  } finally {
    peer?.thaw();
    await peer?.stop(500);
    await server.stop();
    killSurvivors(members);
    dir.remove();
  }
}

describe("the newer generations' clients: sessions without a pty", () => {
  for (const client of NEWER_CLIENTS) {
    for (const scenario of SCENARIOS.filter((s) => s.request.pty !== true)) {
      it(`${client.name}: ${scenario.name}`, { skip: client.skip }, () => checkScenario(client, scenario));
    }
  }
});

describe("tsalive-sshd's watchdog stops the whole session, and only it", () => {
  for (const client of CLIENTS) {
    for (const scenario of SCENARIOS) {
      it(`${client.name}: ${scenario.name}`, { skip: client.skip }, () => checkScenario(client, scenario));
    }

    it(`${client.name}: another connection's session survives, a setsid escapee too; a normal close ends its session`, {
      skip: client.skip,
    }, async () => {
      const dir = makeTempDir("tsalive-watchdog-scope-");
      const server = await startServer(dir);
      let silent: Member[] = [];
      let other: Member[] = [];
      let escapee: Member[] = [];
      let first: RunningClient | undefined;
      let second: RunningClient | undefined;
      try {
        first = client.start(server, user, dir, { pty: true, input: "sleep 6008 &\nsetsid sleep 6009 &\n" });
        const firstId = await sessionId(server, 0);
        silent = await settled(firstId, [LOGIN_SHELL, "sleep 6008"]);
        await waitUntil(() => escapedSleeps().length === 1, { timeout: 5000, what: "the setsid sleep" });
        escapee = escapedSleeps();
        second = client.start(server, user, dir, { command: "sleep 6010 & sleep 6011 & exit" });
        const secondId = await sessionId(server, 1);
        other = await settled(secondId, ["sleep 6010", "sleep 6011"]);
        first.freeze();
        const report = await watchdogReport(server);
        assert.deepEqual(report.stopped, expected(silent, []));
        assert.deepEqual(silent.filter(stillRunning), [], "the silent session is gone");
        assert.deepEqual(other.filter(stillRunning), other, "the other connection's processes all run");
        assert.deepEqual(escapee.filter(stillRunning), escapee, "the process that made its own session escaped");
        // The other connection ends normally: its client goes away, and its session goes with it.
        await second.stop(500);
        await waitUntil(() => other.every((member) => !stillRunning(member)), {
          timeout: GRACE + LATE,
          what: "the closed connection's processes to be stopped",
        });
      } finally {
        first?.thaw();
        await first?.stop(500);
        await second?.stop(500);
        await server.stop();
        killSurvivors([...silent, ...other, ...escapee]);
        dir.remove();
      }
    });
  }
});

/** `sleep 6009` leading a session of its own (`setsid`), as this test starts it. */
function escapedSleeps(): Member[] {
  return processes().filter((member) => member.args === "sleep 6009" && member.session === member.pid);
}
