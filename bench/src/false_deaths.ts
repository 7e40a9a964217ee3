/**
 * Table 2, false deaths under load: a bulk download from a real sshd through test-support's proxy, throttled so
 * that everything the server sends (its keepalive replies included) waits seconds behind queued data. A healthy
 * but slow link: every death here is a false one. tsalive and ssh2's built-in keepalive run side by side.
 */

import { attach } from "@tsalive/ssh2-client";
import { startProxy, startSshd } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { progress, sleep } from "./log.ts";
import type { AliveSetting } from "./precision.ts";

/** One row of table 2. */
export interface FalseDeathRow {
  readonly implementation: string;
  readonly runs: number;
  readonly deaths: number;
  /** Bytes each run received, median. */
  readonly bytes: number[];
  readonly messages: string[];
}

/** Options of {@linkcode falseDeaths}. */
export interface FalseDeathOptions {
  readonly setting: AliveSetting;
  readonly runs: number;
  /** How long each transfer runs, ms. */
  readonly duration: number;
  /** Throttle of the server-to-client direction, bytes per second. */
  readonly bytesPerSecond: number;
}

interface Run {
  readonly client: ssh2.Client;
  bytes: number;
  died: string | undefined;
}

/** Runs `runs` transfers per implementation at once and counts deaths. */
export async function falseDeaths(options: FalseDeathOptions): Promise<FalseDeathRow[]> {
  const { setting, runs, duration, bytesPerSecond } = options;
  const sshd = await startSshd();
  const proxy = await startProxy({
    target: { port: sshd.port },
    down: { mode: "throttle", bytesPerSecond },
    lifetime: duration + 120_000,
  });
  const all: { name: string; runs: Run[] }[] = [
    { name: "tsalive (@tsalive/ssh2-client)", runs: [] },
    { name: "ssh2 built-in (keepaliveInterval/CountMax)", runs: [] },
  ];
  try {
    progress(
      `false deaths: ${runs} × 2 bulk downloads through a proxy throttled to ${bytesPerSecond / 1024} KiB/s, ${duration / 1000} s each`,
    );
    const started: Promise<void>[] = [];
    for (let run = 0; run < runs; run++) {
      for (const [index, group] of all.entries()) {
        const client = new ssh2.Client();
        const entry: Run = { client, bytes: 0, died: undefined };
        group.runs.push(entry);
        if (index === 0) {
          attach(client, { probe: setting }).on("timeout", (error) => {
            entry.died ??= error.message;
          });
        }
        client.on("error", (error: Error & { level?: string }) => {
          if (error.level === "client-timeout") entry.died ??= error.message;
        });
        started.push(
          new Promise<void>((resolve, reject) => {
            client.once("close", () => resolve());
            client.once("ready", () => {
              client.exec("exec cat /dev/zero", (error, stream) => {
                if (error !== undefined) return reject(error);
                stream.on("data", (chunk: Buffer) => {
                  entry.bytes += chunk.length;
                });
                stream.stderr.resume();
                resolve();
              });
            });
          }),
        );
        client.connect({
          host: "127.0.0.1",
          port: proxy.port,
          username: sshd.user,
          privateKey: sshd.clientKey.privateKey,
          readyTimeout: 60_000,
          ...(index === 1 && { keepaliveInterval: setting.interval, keepaliveCountMax: setting.countMax }),
        });
      }
    }
    await Promise.all(started);
    await sleep(duration);
    return all.map((group) => ({
      implementation: group.name,
      runs: group.runs.length,
      deaths: group.runs.filter((run) => run.died !== undefined).length,
      bytes: group.runs.map((run) => run.bytes),
      messages: [...new Set(group.runs.flatMap((run) => (run.died === undefined ? [] : [run.died])))],
    }));
  } finally {
    for (const group of all) for (const run of group.runs) run.client.destroy();
    await proxy.close();
    await sshd.stop();
  }
}
