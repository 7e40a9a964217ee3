/**
 * The tsalive liveness engine on `ws` WebSockets: ping/pong probes exact to (C+1)·I after the last inbound byte,
 * unsolicited-pong heartbeats, a watchdog, the reply-timeout mode and RTT, server side and client side; and the
 * answering end of the app-level probes of `@tsalive/ws/browser`.
 *
 * @module
 */
export { attach, WsLiveness, type WsLivenessEvents, type WsLivenessStats } from "./attach.ts";
export { type WsTimeoutCode, WsTimeoutError } from "./errors.ts";
export { BEAT_MESSAGE, type ControlMessage, controlMessageOf, PING_MESSAGE, PONG_MESSAGE } from "./framing.ts";
export type { LivenessOptions, WsOptions } from "./options.ts";
