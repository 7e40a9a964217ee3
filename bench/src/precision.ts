/**
 * Table 1, detection precision: how long after the last packet each implementation declares a frozen peer dead,
 * against the bound it promises ((C+1)·I after the last packet received, OpenSSH's rule, which ssh2's built-ins
 * claim to follow as well), and when the connection's processes are gone. Every implementation runs side by side,
 * RUNS connections each, against the same peer, frozen with SIGSTOP at staggered moments. The last packet is timed
 * from the bench: the peer sends a line every 100 ms until it is frozen, and the bench notes when the last one
 * arrived (client side) or was typed into the frozen `ssh` (server side).
 */

import { userInfo } from "node:os";
import { attach } from "@tsalive/ssh2-client";
import { type KeyPair, listProcesses, type Sshd, signal, startSshd } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { localPortOf, startTsaliveSshd } from "./examples.ts";
import { epochNow, progress, sleep } from "./log.ts";
import { type SshProcess, startSsh } from "./ssh_process.ts";
import { type BenchServer, startBenchServer } from "./ssh2_server.ts";
import { findByMarker, goneTimes, treeOf } from "./watch.ts";

/** One ServerAlive/ClientAlive setting: interval in ms, count. */
export interface AliveSetting {
  readonly interval: number;
  readonly countMax: number;
}

/** One row of table 1. */
export interface PrecisionRow {
  readonly side: "client" | "server";
  readonly implementation: string;
  readonly setting: AliveSetting;
  /** Per run: detection time minus the last packet minus (C+1)·I, in ms; NaN when not detected in time. */
  readonly errors: number[];
  /** Per run: from the last packet until the connection's processes were gone, in ms; NaN when they were not. */
  readonly gone: number[];
  /** Why the row has no figures, when it has none. */
  readonly unavailable?: string;
  /** How long the bench waited after the last freeze before giving up, in ms. */
  readonly waited: number;
}

const TICK = 100;
const STAGGER = 57;
/** How long after its last line a client is frozen: enough for `ssh` to read and send it on a loaded machine. */
const FREEZE_AFTER = 50;

/** What one client-side implementation under test exposes. */
interface ClientUnderTest {
  readonly ready: Promise<void>;
  lastInboundAt(): number | undefined;
  detectedAt(): number | undefined;
  goneAt(): number | undefined;
  stop(): Promise<void>;
}

function boundOf(setting: AliveSetting): number {
  return (setting.countMax + 1) * setting.interval;
}

/** How long to wait for a detection after a freeze: generous, for sshd 9.2's 2·I drift. */
function patience(setting: AliveSetting): number {
  return 2.5 * boundOf(setting) + 2000;
}

const wholeSeconds = (setting: AliveSetting): boolean => setting.interval % 1000 === 0;

// Client side ------------------------------------------------------------------------------------------------------

function inProcessClient(
  kind: "tsalive" | "builtin",
  sshd: Sshd,
  setting: AliveSetting,
  command: string,
): ClientUnderTest {
  const client = new ssh2.Client();
  let lastInbound: number | undefined;
  let detected: number | undefined;
  let closed: number | undefined;
  if (kind === "tsalive") {
    const liveness = attach(client, { probe: setting, host: "frozen.bench" });
    liveness.on("timeout", () => {
      detected ??= epochNow();
    });
  }
  client.on("error", (error: Error & { level?: string }) => {
    if (kind === "builtin" && error.level === "client-timeout") detected ??= epochNow();
  });
  const ready = new Promise<void>((resolve, reject) => {
    client.on("close", () => {
      closed = epochNow();
      reject(new Error(`${kind} client closed before its command printed ready`));
    });
    client.on("ready", () => {
      client.exec(command, (error, stream) => {
        if (error !== undefined) return reject(error);
        let text = "";
        stream.on("data", (chunk: Buffer) => {
          lastInbound = epochNow();
          if (text.length < 100) {
            text += chunk.toString();
            if (text.includes("ready")) resolve();
          }
        });
        stream.stderr.resume();
      });
    });
  });
  ready.catch(() => {});
  client.connect({
    host: "127.0.0.1",
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.clientKey.privateKey,
    readyTimeout: 30_000,
    ...(kind === "builtin" && { keepaliveInterval: setting.interval, keepaliveCountMax: setting.countMax }),
  });
  return {
    ready,
    lastInboundAt: () => lastInbound,
    detectedAt: () => detected,
    goneAt: () => closed,
    async stop() {
      client.destroy();
    },
  };
}

function processClient(ssh: SshProcess): ClientUnderTest {
  const ready = ssh.waitFor(/ready/, 30_000);
  ready.catch(() => {});
  return {
    ready,
    lastInboundAt: () => ssh.lastOutputAt(),
    detectedAt: () => (ssh.exit()?.code === 255 ? ssh.exit()?.at : undefined),
    goneAt: () => ssh.exit()?.at,
    stop: () => ssh.stop(),
  };
}

/** Client side of table 1 for one setting: tsalive, OpenSSH `ssh`, ssh2's keepalive, against one frozen sshd. */
export async function clientSide(
  setting: AliveSetting,
  runs: number,
  tsaliveSsh: readonly string[] | undefined,
): Promise<PrecisionRow[]> {
  const sshd = await startSshd();
  const label = `I=${setting.interval / 1000} s C=${setting.countMax}`;
  const implementations: { name: string; available: string | undefined; start(command: string): ClientUnderTest }[] = [
    ...(tsaliveSsh === undefined
      ? []
      : [
          {
            name: "tsalive-ssh (examples/cli)",
            available: wholeSeconds(setting)
              ? undefined
              : "n/a: reads ServerAliveInterval as ssh does, in whole seconds (the library row below has no such limit)",
            start: (command: string) =>
              processClient(
                startSsh({
                  binary: tsaliveSsh,
                  port: sshd.port,
                  user: sshd.user,
                  identity: sshd.clientKey.privatePath,
                  command,
                  options: { ServerAliveInterval: setting.interval / 1000, ServerAliveCountMax: setting.countMax },
                }),
              ),
          },
        ]),
    {
      name: "tsalive library (@tsalive/ssh2-client on an ssh2 Client)",
      available: undefined,
      start: (command) => inProcessClient("tsalive", sshd, setting, command),
    },
    {
      name: "OpenSSH ssh (ServerAliveInterval/CountMax)",
      available: wholeSeconds(setting)
        ? undefined
        : "n/a: ServerAliveInterval takes whole seconds (ssh rejects 0.5: invalid time value)",
      start: (command) =>
        processClient(
          startSsh({
            port: sshd.port,
            user: sshd.user,
            identity: sshd.clientKey.privatePath,
            command,
            options: { ServerAliveInterval: setting.interval / 1000, ServerAliveCountMax: setting.countMax },
          }),
        ),
    },
    {
      name: "ssh2 built-in (keepaliveInterval/CountMax)",
      available: undefined,
      start: (command) => inProcessClient("builtin", sshd, setting, command),
    },
  ];
  const runsOf: { implementation: number; marker: string; client: ClientUnderTest }[][] = [];
  const frozen: number[] = [];
  try {
    progress(
      `precision, client side, ${label}: ${runs} runs × ${implementations.filter((each) => each.available === undefined).length} clients log in`,
    );
    let serial = 0;
    for (let run = 0; run < runs; run++) {
      const group: (typeof runsOf)[number] = [];
      for (const [index, implementation] of implementations.entries()) {
        if (implementation.available !== undefined) continue;
        const marker = `bench-tick-${process.pid}-${Date.now()}-${serial++}`;
        // The loop ends by itself once its output is gone (sshd ignores SIGPIPE for its children).
        const command = `exec sh -c 'echo ready; while echo t; do sleep ${TICK / 1000}; done' ${marker}`;
        group.push({ implementation: index, marker, client: implementation.start(command) });
      }
      runsOf.push(group);
      // A few logins at a time: a loaded 2-core box delays key exchanges, not the measurement.
      await Promise.all(group.map((entry) => entry.client.ready));
    }
    progress(`precision, client side, ${label}: all logged in; freezing the server's connection processes`);
    const freezeAt: number[] = [];
    for (const [run, group] of runsOf.entries()) {
      await sleep(run === 0 ? 300 : STAGGER);
      const table = listProcesses();
      for (const entry of group) {
        const shell = findByMarker(entry.marker, table).find((process) => process.args.startsWith("sh -c"));
        if (shell === undefined) throw new Error(`no remote process for ${entry.marker}`);
        const pids = treeOf(shell.ppid);
        for (const pid of pids) signal(pid, "SIGSTOP");
        frozen.push(...pids);
      }
      freezeAt.push(epochNow());
    }
    const deadline = epochNow() + patience(setting);
    const all = runsOf.flat();
    while (epochNow() < deadline && all.some((entry) => entry.client.goneAt() === undefined)) await sleep(10);
    const waited = patience(setting);
    return implementations.map((implementation, index) => {
      const entries = all.filter((entry) => entry.implementation === index);
      const errors = entries.map(({ client }) => {
        const detected = client.detectedAt();
        const last = client.lastInboundAt();
        return detected === undefined || last === undefined ? Number.NaN : detected - last - boundOf(setting);
      });
      const gone = entries.map(({ client }) => {
        const at = client.goneAt();
        const last = client.lastInboundAt();
        return at === undefined || last === undefined ? Number.NaN : at - last;
      });
      return {
        side: "client",
        implementation: implementation.name,
        setting,
        errors,
        gone,
        waited,
        ...(implementation.available !== undefined && { unavailable: implementation.available }),
      } satisfies PrecisionRow;
    });
  } finally {
    for (const pid of frozen) signal(pid, "SIGCONT");
    await Promise.all(runsOf.flat().map((entry) => entry.client.stop()));
    await sshd.stop();
  }
}

// Server side ------------------------------------------------------------------------------------------------------

interface ServerUnderTest {
  readonly name: string;
  readonly unavailable?: string;
  readonly port: number;
  readonly user: string;
  readonly identity: string;
  /** When the server declared the connection running `command` (from the client's `clientPort`) dead. */
  detectedAt(command: string, sessionPid: number | undefined, clientPort: number | undefined): number | undefined;
  stop(): Promise<void>;
}

function unavailableServer(name: string, unavailable: string): ServerUnderTest {
  return { name, unavailable, port: 0, user: "", identity: "", detectedAt: () => undefined, stop: async () => {} };
}

function benchServerUnderTest(name: string, server: BenchServer, key: KeyPair): ServerUnderTest {
  return {
    name,
    port: server.port,
    user: "bench",
    identity: key.privatePath,
    detectedAt(command) {
      for (const record of server.records) if (record.command === command) return record.detectedAt;
      return undefined;
    },
    stop: () => server.close(),
  };
}

/** Server side of table 1 for one setting: tsalive, OpenSSH sshd, ssh2's server keepalive, against frozen `ssh`. */
export async function serverSide(
  setting: AliveSetting,
  runs: number,
  keys: { readonly host: KeyPair; readonly client: KeyPair },
  examples: { readonly root: string; readonly dir: string } | undefined,
): Promise<PrecisionRow[]> {
  const label = `I=${setting.interval / 1000} s C=${setting.countMax}`;
  const tsalive = await startBenchServer({
    kind: "tsalive",
    hostKey: keys.host.privateKey,
    authorizedKey: keys.client.publicKey,
    probe: setting,
  });
  const builtin = await startBenchServer({
    kind: "builtin",
    hostKey: keys.host.privateKey,
    authorizedKey: keys.client.publicKey,
    probe: setting,
  });
  let sshd: Sshd | undefined;
  const servers: ServerUnderTest[] = [];
  if (examples !== undefined && wholeSeconds(setting)) {
    let daemon: Awaited<ReturnType<typeof startTsaliveSshd>>;
    try {
      daemon = await startTsaliveSshd(examples.root, examples.dir, keys, setting);
    } catch (error) {
      progress(`tsalive-sshd did not start: ${error instanceof Error ? error.message : String(error)}`);
      servers.push(
        unavailableServer("tsalive-sshd (examples/server)", "did not start in this checkout (see the bench's stderr)"),
      );
    }
    if (daemon !== undefined) {
      const running = daemon;
      servers.push({
        name: "tsalive-sshd (examples/server)",
        port: daemon.port,
        user: userInfo().username,
        identity: keys.client.privatePath,
        // Its log line `Timeout, client not responding … port P`, timed as it arrives.
        detectedAt: (_command, _session, clientPort) =>
          clientPort === undefined ? undefined : running.timeouts.get(clientPort),
        stop: () => running.stop(),
      });
    }
  } else if (examples !== undefined) {
    servers.push({
      name: "tsalive-sshd (examples/server)",
      unavailable: "n/a: reads ClientAliveInterval as sshd does, in whole seconds (the library row has no such limit)",
      port: 0,
      user: "",
      identity: "",
      detectedAt: () => undefined,
      stop: async () => {},
    });
  }
  servers.push(benchServerUnderTest("tsalive library (@tsalive/ssh2-server on an ssh2 Server)", tsalive, keys.client));
  if (wholeSeconds(setting)) {
    sshd = await startSshd({
      config: [`ClientAliveInterval ${setting.interval / 1000}`, `ClientAliveCountMax ${setting.countMax}`],
    });
    const { user, clientKey } = sshd;
    servers.push({
      name: "OpenSSH sshd (ClientAliveInterval/CountMax)",
      port: sshd.port,
      user,
      identity: clientKey.privatePath,
      // sshd exits the connection's process when ClientAlive gives up: its disappearance is the detection.
      detectedAt: (_command, sessionPid) => (sessionPid === undefined ? undefined : sessionGone.get(sessionPid)),
      stop: () => (sshd as Sshd).stop(),
    });
  } else {
    servers.push({
      name: "OpenSSH sshd (ClientAliveInterval/CountMax)",
      unavailable: "n/a: ClientAliveInterval takes whole seconds",
      port: 0,
      user: "",
      identity: "",
      detectedAt: () => undefined,
      stop: async () => {},
    });
  }
  servers.push(benchServerUnderTest("ssh2 built-in server keepalive", builtin, keys.client));
  const sessionGone = new Map<number, number | undefined>();
  interface Entry {
    readonly server: ServerUnderTest;
    readonly command: string;
    readonly ssh: SshProcess;
    lastWriteAt: number | undefined;
    freeze: boolean;
    frozenAt: number | undefined;
    remotePid: number | undefined;
    sessionPid: number | undefined;
    clientPort: number | undefined;
  }
  const entries: Entry[] = [];
  let serial = 1001;
  let ticker: NodeJS.Timeout | undefined;
  try {
    progress(
      `precision, server side, ${label}: ${runs} runs × ${servers.filter((each) => each.unavailable === undefined).length} servers, real ssh clients log in`,
    );
    for (let run = 0; run < runs; run++) {
      const group: Entry[] = [];
      for (const server of servers) {
        if (server.unavailable !== undefined) continue;
        const command = `echo ready; exec sleep 3600.${serial++}`;
        const ssh = startSsh({ port: server.port, user: server.user, identity: server.identity, command });
        group.push({
          server,
          command,
          ssh,
          lastWriteAt: undefined,
          freeze: false,
          frozenAt: undefined,
          remotePid: undefined,
          sessionPid: undefined,
          clientPort: undefined,
        });
      }
      await Promise.all(group.map((entry) => entry.ssh.waitFor(/ready/, 30_000)));
      entries.push(...group);
    }
    const table = listProcesses();
    for (const entry of entries) {
      const remote = table.find((process) => process.args === entry.command.replace("echo ready; exec ", ""));
      entry.remotePid = remote?.pid;
      if (entry.server.name.startsWith("OpenSSH")) entry.sessionPid = remote?.ppid;
      if (entry.server.name.startsWith("tsalive-sshd"))
        entry.clientPort = localPortOf(entry.ssh.pid, entry.server.port);
    }
    // Every client types a line every 100 ms; a client due to freeze is stopped FREEZE_AFTER ms after its line went out.
    ticker = setInterval(() => {
      for (const entry of entries) {
        if (entry.frozenAt !== undefined || entry.ssh.exit() !== undefined) continue;
        entry.ssh.child.stdin?.write("t\n");
        entry.lastWriteAt = epochNow();
        if (entry.freeze) {
          entry.frozenAt = -1;
          setTimeout(() => {
            signal(entry.ssh.pid, "SIGSTOP");
            entry.frozenAt = epochNow();
          }, FREEZE_AFTER);
        }
      }
    }, TICK);
    progress(`precision, server side, ${label}: all logged in; freezing the clients`);
    for (let run = 0; run < runs; run++) {
      await sleep(run === 0 ? 300 : STAGGER);
      for (const entry of entries.slice(run * (entries.length / runs), (run + 1) * (entries.length / runs))) {
        entry.freeze = true;
      }
    }
    await sleep(TICK + 50);
    const waited = patience(setting);
    const deadline = epochNow() + waited;
    const sessions = entries.flatMap((entry) => (entry.sessionPid === undefined ? [] : [entry.sessionPid]));
    const remotes = entries.flatMap((entry) => (entry.remotePid === undefined ? [] : [entry.remotePid]));
    const [sessionTimes, remoteTimes] = await Promise.all([
      goneTimes(sessions, deadline),
      goneTimes(remotes, deadline + 1000),
    ]);
    for (const [pid, at] of sessionTimes) sessionGone.set(pid, at);
    return servers.map((server) => {
      const mine = entries.filter((entry) => entry.server === server);
      return {
        side: "server",
        implementation: server.name,
        setting,
        waited,
        errors: mine.map((entry) => {
          const detected = server.detectedAt(entry.command, entry.sessionPid, entry.clientPort);
          return detected === undefined || entry.lastWriteAt === undefined
            ? Number.NaN
            : detected - entry.lastWriteAt - boundOf(setting);
        }),
        gone: mine.map((entry) => {
          const at = entry.remotePid === undefined ? undefined : remoteTimes.get(entry.remotePid);
          return at === undefined || entry.lastWriteAt === undefined ? Number.NaN : at - entry.lastWriteAt;
        }),
        ...(server.unavailable !== undefined && { unavailable: server.unavailable }),
      } satisfies PrecisionRow;
    });
  } finally {
    clearInterval(ticker);
    await Promise.all(entries.map((entry) => entry.ssh.stop()));
    for (const server of servers) await server.stop();
    await tsalive.close();
    await builtin.close();
    // Remote commands sshd and the naive ssh2 server left behind (that is part of what the table shows).
    for (const entry of entries) if (entry.remotePid !== undefined) signal(entry.remotePid, "SIGKILL");
  }
}
