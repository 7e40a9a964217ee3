/**
 * Table 3, first half: throughput of one large download over loopback, ssh2 on both ends, with tsalive attached on
 * both ends (ServerAlive and ClientAlive at 1 s) and without, alternately, in the same run. The servers and the
 * client each run in a process of their own; one untimed download from each server first warms them up.
 */
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

/** Alternates plain and attached downloads `repeats` times each. */
export async function throughput(hostKey: string, bytes: number, repeats: number): Promise<ThroughputResult> {
  const plainServer = startWorker("./server_worker.ts", "plain server");
  const attachedServer = startWorker("./server_worker.ts", "tsalive server");
  const client = startWorker("./client_worker.ts", "download client");
  const download = (port: number, size: number, attached: boolean) =>
    client.request<number>({ type: "download", port, bytes: size, attached }, 300_000);
  try {
    const probe = { interval: 1000, countMax: 3 };
    const { port: plainPort } = await plainServer.request<{ port: number }>({ type: "listen", kind: "plain", hostKey });
    const { port: attachedPort } = await attachedServer.request<{ port: number }>({
      type: "listen",
      kind: "tsalive",
      hostKey,
      probe,
    });
    await download(plainPort, Math.min(bytes, 32 * 1024 * 1024), false);
    await download(attachedPort, Math.min(bytes, 32 * 1024 * 1024), true);
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
    await client.stop();
    await plainServer.stop();
    await attachedServer.stop();
  }
}
