/**
 * A client on Node's own global `WebSocket` (undici; `--experimental-websocket` before Node 22) running the
 * browser entry: `node --import tsx _standard_peer.ts URL OPTIONS`. It prints its log as JSON lines on stdout,
 * in the format of `_watch.ts`, with every inbound message logged by a listener added before attach().
 */
import { attach, type LivenessOptions } from "../src/browser.ts";
import { type LogEntry, now } from "./_watch.ts";

const [url = "", optionsText = "{}"] = process.argv.slice(2);
const log = (entry: LogEntry): void => {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
};
setTimeout(() => process.exit(0), 60_000).unref();

const socket = new WebSocket(url);
socket.addEventListener("open", () => log({ event: "open", at: now() }));
socket.addEventListener("message", (event) => log({ event: "frame", kind: String(event.data), at: now() }));
socket.addEventListener("close", (event) => {
  log({ event: "close", code: event.code, at: now() });
  setTimeout(() => process.exit(0), 200);
});
const liveness = attach(socket, JSON.parse(optionsText) as LivenessOptions);
liveness.on("timeout", (error) => log({ event: "timeout", code: error.code, at: now() }));
