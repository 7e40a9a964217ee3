/**
 * One cell of the server-side fault matrix: a test server (tsalive attached, ClientAlive at I and C) behind a
 * fault proxy, with the server's own packet log as the clock of the client's last packet.
 */
import { type FaultProxy, startProxy } from "@tsalive/test-support";
import type { ServerTimeoutError } from "../src/index.ts";
import { startTestServer, type TestServer } from "./_server.ts";

const INTERVAL = 500;
const COUNT_MAX = 2;

/** When ssh2 decrypted the last packet from the client, from the server's debug output (one connection). */
function packetLog(): { debug: (message: string) => void; lastInbound: () => number } {
  let last = Number.NaN;
  return {
    debug(message) {
      if (message.includes("Inbound:")) last = performance.now();
    },
    lastInbound: () => last,
  };
}

export interface Cell {
  readonly test: TestServer;
  readonly log: ReturnType<typeof packetLog>;
  readonly proxy: FaultProxy;
  readonly timeouts: { readonly error: ServerTimeoutError; readonly at: number }[];
}

export async function withServer(
  body: (cell: Cell) => Promise<void>,
  { interval = INTERVAL, countMax = COUNT_MAX, delay = 0 } = {},
): Promise<void> {
  const log = packetLog();
  const test = await startTestServer(
    { probe: { interval, countMax }, killGrace: 300 },
    { config: { debug: log.debug } },
  );
  const proxy = await startProxy({ target: { port: test.port } });
  if (delay > 0) proxy.set("both", { mode: "delay", ms: delay });
  const timeouts: Cell["timeouts"][number][] = [];
  test.liveness.on("timeout", ({ payload }) => timeouts.push({ error: payload, at: performance.now() }));
  try {
    await body({ test, log, proxy, timeouts });
  } finally {
    await proxy.close();
    await test.close();
  }
}
