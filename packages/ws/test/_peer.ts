/**
 * A `ws` peer in its own process, so that a test can freeze it with SIGSTOP: `node --import tsx _peer.ts JSON`
 * with `{ "role": "client", "url": …, "options": … }` or `{ "role": "server", "options": … }`. It prints its log
 * as JSON lines on stdout; a server prints `ready` with its port first.
 */
import { WebSocket, WebSocketServer } from "ws";
import type { WsOptions } from "../src/index.ts";
import { type LogEntry, now, watch } from "./_watch.ts";

interface PeerConfig {
  readonly role: "client" | "server";
  readonly url?: string;
  readonly options: WsOptions;
}

const config = JSON.parse(process.argv[2] ?? "{}") as PeerConfig;
const log = (entry: LogEntry): void => {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
};
// Never outlive the test that started it.
setTimeout(() => process.exit(0), 60_000).unref();

if (config.role === "client") {
  const socket = new WebSocket(config.url ?? "");
  socket.on("open", () => log({ event: "open", at: now() }));
  watch(socket, config.options, log);
  socket.on("close", () => setTimeout(() => process.exit(0), 200));
} else {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("listening", () => {
    const address = server.address();
    log({ event: "ready", at: now(), port: typeof address === "object" && address !== null ? address.port : 0 });
  });
  server.on("connection", (socket) => {
    log({ event: "open", at: now() });
    watch(socket, config.options, log);
  });
}
