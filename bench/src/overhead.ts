/**
 * Table 3, first half: one large download over loopback, ssh2 on both ends, with tsalive attached on both ends
 * (ServerAlive and ClientAlive at 1 s) and without, alternately, in the same run. The servers and the client each
 * run in a process of their own; one untimed download from each server first warms them up. Each transfer gives
 * its wall-clock rate and the CPU (`process.cpuUsage()`, user + system) of the client process over the transfer
 * and of the server process around it, per MiB.
 */
import { progress } from "./log.ts";
import { median } from "./stats.ts";
import { startWorker } from "./worker.ts";

/** The samples of one setup, one per transfer, in run order. */
export interface TransferSamples {
  /** Wall-clock MiB/s. */
  readonly rate: number[];
  /** Client process CPU, ms per MiB. */
  readonly clientCpu: number[];
  /** Server process CPU, ms per MiB. */
  readonly serverCpu: number[];
}

/** Table 3's throughput rows. */
export interface ThroughputResult {
  readonly bytes: number;
  readonly plain: TransferSamples;
  readonly attached: TransferSamples;
  /** Medians attached / plain: wall-clock rate, client CPU per MiB, server CPU per MiB. */
  readonly ratio: { readonly rate: number; readonly clientCpu: number; readonly serverCpu: number };
  /**
   * The median over the rounds of each round's attached / plain (the two transfers of a round run back to back, so
   * a slow spell of the machine falls on both): the figure the goal is judged on.
   */
  readonly paired: { readonly rate: number; readonly clientCpu: number; readonly serverCpu: number };
}

const samples = (): TransferSamples => ({ rate: [], clientCpu: [], serverCpu: [] });

/** Alternates plain and attached downloads `repeats` times each. */
export async function throughput(hostKey: string, bytes: number, repeats: number): Promise<ThroughputResult> {
  const plainServer = startWorker("./server_worker.ts", "plain server");
  const attachedServer = startWorker("./server_worker.ts", "tsalive server");
  const client = startWorker("./client_worker.ts", "download client");
  const download = async (attached: boolean, port: number, size: number) => {
    const server = attached ? attachedServer : plainServer;
    const before = await server.request<number>({ type: "cpu" });
    const result = await client.request<{ rate: number; cpuMs: number }>(
      { type: "download", port, bytes: size, attached },
      300_000,
    );
    const after = await server.request<number>({ type: "cpu" });
    return { ...result, serverMs: after - before };
  };
  try {
    const probe = { interval: 1000, countMax: 3 };
    const { port: plainPort } = await plainServer.request<{ port: number }>({ type: "listen", kind: "plain", hostKey });
    const { port: attachedPort } = await attachedServer.request<{ port: number }>({
      type: "listen",
      kind: "tsalive",
      hostKey,
      probe,
    });
    await download(false, plainPort, Math.min(bytes, 32 * 1024 * 1024));
    await download(true, attachedPort, Math.min(bytes, 32 * 1024 * 1024));
    const plain = samples();
    const attached = samples();
    const mib = bytes / 1024 / 1024;
    for (let round = 0; round < repeats; round++) {
      // Alternate which goes first, so a trend in the machine's load does not favour one side.
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const withTsalive of order) {
        const result = await download(withTsalive, withTsalive ? attachedPort : plainPort, bytes);
        const into = withTsalive ? attached : plain;
        into.rate.push(result.rate);
        into.clientCpu.push(result.cpuMs / mib);
        into.serverCpu.push(result.serverMs / mib);
        progress(
          `throughput ${round + 1}/${repeats}: ${withTsalive ? "attached" : "plain"} ${result.rate.toFixed(1)} MiB/s, CPU client ${(result.cpuMs / mib).toFixed(2)} / server ${(result.serverMs / mib).toFixed(2)} ms per MiB`,
        );
      }
    }
    const ratio = (pick: (s: TransferSamples) => number[]) => median(pick(attached)) / median(pick(plain));
    const paired = (pick: (s: TransferSamples) => number[]) =>
      median(pick(attached).map((value, round) => value / (pick(plain)[round] ?? Number.NaN)));
    return {
      bytes,
      plain,
      attached,
      ratio: { rate: ratio((s) => s.rate), clientCpu: ratio((s) => s.clientCpu), serverCpu: ratio((s) => s.serverCpu) },
      paired: {
        rate: paired((s) => s.rate),
        clientCpu: paired((s) => s.clientCpu),
        serverCpu: paired((s) => s.serverCpu),
      },
    };
  } finally {
    await client.stop();
    await plainServer.stop();
    await attachedServer.stop();
  }
}
