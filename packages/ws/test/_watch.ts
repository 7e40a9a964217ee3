/**
 * The independent log of the integration tests: every inbound frame and every liveness event of one `ws`
 * socket, each stamped with the process's own clock at the event (`performance.timeOrigin + performance.now()`,
 * comparable across processes on one machine), not with the monitor's clock.
 */
import type { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { attach, type WsLiveness, type WsOptions } from "../src/index.ts";

/** One line of the log. */
export interface LogEntry {
  readonly event: "open" | "frame" | "timeout" | "close" | "probe" | "reply" | "heartbeat" | "ready" | "sent";
  readonly at: number;
  readonly kind?: string;
  readonly bytes?: number;
  readonly code?: string | number;
  readonly port?: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution, shared by every process of the machine. */
export const now = (): number => performance.timeOrigin + performance.now();

/**
 * Logs `socket`'s inbound frames as `ws`'s frame parser (its receiver) reports them, below the adapter's hooks,
 * which hide control messages from `'message'` listeners; then attaches.
 */
export function watch(socket: WebSocket, options: WsOptions, log: (entry: LogEntry) => void): WsLiveness {
  const logFrames = (): void => {
    const receiver = (socket as unknown as { _receiver?: EventEmitter })._receiver;
    if (receiver === undefined) throw new Error("this ws has no _receiver to log frames from");
    receiver.on("ping", () => log({ event: "frame", kind: "ping", at: now() }));
    receiver.on("pong", () => log({ event: "frame", kind: "pong", at: now() }));
    receiver.on("message", (data: Buffer) => log({ event: "frame", kind: "message", bytes: data.length, at: now() }));
  };
  if (socket.readyState === socket.OPEN) logFrames();
  else socket.once("open", logFrames);
  socket.on("close", (code: number) => log({ event: "close", code, at: now() }));
  socket.on("error", () => {});
  const liveness = attach(socket, options);
  liveness.on("timeout", (error) => log({ event: "timeout", code: error.code, at: now() }));
  liveness.on("probe", () => log({ event: "probe", at: now() }));
  liveness.on("heartbeat", () => log({ event: "heartbeat", at: now() }));
  return liveness;
}
