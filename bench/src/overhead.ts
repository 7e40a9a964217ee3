/**
 * Table 3, first half: throughput of one large download over loopback, ssh2 on both ends, with tsalive attached on
 * both ends (ServerAlive and ClientAlive at 1 s) and without, alternately, in the same run. The server runs in its
 * own process, the client in the bench's.
 */
import { attach } from "@tsalive/ssh2-client";
import ssh2 from "ssh2";
import { progress } from "./log.ts";
import { median } from "./stats.ts";
import { startWorker } from "./worker.ts";

/** Table 3's throughput row. */
export interface ThroughputResult {
  readonly bytes: number;
  /** MiB/s per transfer, in run order. */
  readonly plain: number[];
  readonly attached: number[];
  readonly ratio: number;
}

async function download(port: number, bytes: number, attached: boolean): Promise<number> {
  const client = new ssh2.Client();
  if (attached) attach(client, { probe: { interval: 1000, countMax: 3 } });
  try {
    return await new Promise<number>((resolve, reject) => {
      client.once("error", reject);
      client.once("ready", () => {
        client.exec(`bulk ${bytes}`, (error, stream) => {
          if (error !== undefined) return reject(error);
          let received = 0;
          const started = performance.now();
          stream.on("data", (chunk: Buffer) => {
            received += chunk.length;
          });
          stream.stderr.resume();
          stream.on("close", () => {
            const seconds = (performance.now() - started) / 1000;
            if (received !== bytes) reject(new Error(`received ${received} of ${bytes} bytes`));
            else resolve(bytes / 1024 / 1024 / seconds);
          });
        });
      });
      client.connect({ host: "127.0.0.1", port, username: "bench", password: "bench", readyTimeout: 30_000 });
    });
  } finally {
    client.destroy();
  }
}

/** Alternates plain and attached downloads `repeats` times each. */
export async function throughput(hostKey: string, bytes: number, repeats: number): Promise<ThroughputResult> {
  const plainServer = startWorker("./server_worker.ts", "plain server");
  const attachedServer = startWorker("./server_worker.ts", "tsalive server");
  try {
    const probe = { interval: 1000, countMax: 3 };
    const { port: plainPort } = await plainServer.request<{ port: number }>({ type: "listen", kind: "plain", hostKey });
    const { port: attachedPort } = await attachedServer.request<{ port: number }>({
      type: "listen",
      kind: "tsalive",
      hostKey,
      probe,
    });
    const plain: number[] = [];
    const attached: number[] = [];
    for (let round = 0; round < repeats; round++) {
      // Alternate which goes first, so a trend in the machine's load does not favour one side.
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const withTsalive of order) {
        const rate = await download(withTsalive ? attachedPort : plainPort, bytes, withTsalive);
        (withTsalive ? attached : plain).push(rate);
        progress(`throughput ${round + 1}/${repeats}: ${withTsalive ? "attached" : "plain"} ${rate.toFixed(1)} MiB/s`);
      }
    }
    return { bytes, plain, attached, ratio: median(attached) / median(plain) };
  } finally {
    await plainServer.stop();
    await attachedServer.stop();
  }
}
