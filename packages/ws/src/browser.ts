/**
 * tsalive on any standard WebSocket (browsers, Deno, Bun, Node 22+): app-level probes, heartbeats and a watchdog
 * over a tiny framing convention, answered by `@tsalive/ws` on the server. No `node:` imports.
 *
 * @module
 */
export {
  attach,
  BrowserLiveness,
  type BrowserLivenessEvents,
  type BrowserLivenessStats,
  type MessageLikeEvent,
  type StandardWebSocket,
  TIMEOUT_CLOSE_CODE,
} from "./browser_attach.ts";
export { type WsTimeoutCode, WsTimeoutError } from "./errors.ts";
export { BEAT_MESSAGE, type ControlMessage, controlMessageOf, PING_MESSAGE, PONG_MESSAGE } from "./framing.ts";
export type { LivenessOptions } from "./options.ts";
