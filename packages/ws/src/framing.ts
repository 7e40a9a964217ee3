/**
 * The framing convention of app-level probes, for peers that cannot send WebSocket ping frames (browsers) or
 * whose ping frames are answered below the page (a browser's network stack answers pings for a frozen tab).
 *
 * Each control message is one text frame holding exactly one of these strings, byte for byte. They are JSON, so
 * an application that parses every message can still parse them; the adapters hide them from the application's
 * `message` listeners. Nothing else is reserved: any other text, even `{"tsalive":"ping"}` with a space, is the
 * application's.
 *
 * - `{"tsalive":"ping"}`: a probe; the other end answers it with a pong.
 * - `{"tsalive":"pong"}`: the answer to the oldest unanswered ping (TCP keeps them in order, so no id is needed).
 * - `{"tsalive":"beat"}`: a heartbeat; nothing answers it.
 *
 * @example
 * ```ts
 * import { PING_MESSAGE, controlMessageOf } from "@tsalive/ws/browser";
 * controlMessageOf(PING_MESSAGE); // "ping"
 * controlMessageOf('{"type":"chat"}'); // undefined
 * ```
 *
 * @module
 */

/** An app-level probe. */
export const PING_MESSAGE = '{"tsalive":"ping"}';
/** The answer to an app-level probe. */
export const PONG_MESSAGE = '{"tsalive":"pong"}';
/** An app-level heartbeat, never answered. */
export const BEAT_MESSAGE = '{"tsalive":"beat"}';

/** What a control message is. */
export type ControlMessage = "ping" | "pong" | "beat";

/** Every control message has this length and starts with this text; the kind is the 4 letters after it. */
const HEAD = '{"tsalive":"';
const LENGTH = PING_MESSAGE.length;

/**
 * Which control message `data` is, or `undefined` for application data. A length check, then a string compare
 * on an 18-character candidate: cheap enough to run on every message.
 *
 * @example
 * ```ts
 * import { controlMessageOf } from "@tsalive/ws/browser";
 * controlMessageOf('{"tsalive":"pong"}'); // "pong"
 * controlMessageOf(new Uint8Array(18)); // undefined: binary data is always the application's
 * ```
 */
export function controlMessageOf(data: unknown): ControlMessage | undefined {
  if (typeof data !== "string" || data.length !== LENGTH || !data.startsWith(HEAD)) return undefined;
  if (data === PING_MESSAGE) return "ping";
  if (data === PONG_MESSAGE) return "pong";
  if (data === BEAT_MESSAGE) return "beat";
  return undefined;
}
