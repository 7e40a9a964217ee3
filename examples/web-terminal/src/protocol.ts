/**
 * The messages between the page and the server, besides `@tsalive/ws`'s own control messages. Control messages
 * are JSON text frames; terminal bytes are binary frames (input from the page, output from the SSH session).
 * Shared by both ends; nothing here imports a `node:` module.
 *
 * @example
 * ```ts
 * import { parseClientMessage } from "./protocol.ts";
 * parseClientMessage('{"t":"resize","cols":80,"rows":24}'); // { t: "resize", cols: 80, rows: 24 }
 * parseClientMessage('{"t":"nonsense"}'); // undefined
 * ```
 */

/** What the page sends. `seen` counts output bytes received, since the session began. */
export type ClientMessage =
  | { readonly t: "open"; readonly cols: number; readonly rows: number }
  | { readonly t: "resume"; readonly session: string; readonly token: string; readonly seen: number }
  | { readonly t: "resize"; readonly cols: number; readonly rows: number }
  /** Output bytes written to the terminal so far: the server's flow control. */
  | { readonly t: "ack"; readonly seen: number }
  /** The user closed the session (or the tab) on purpose: end it now. */
  | { readonly t: "bye" };

/** What the server sends. */
export type ServerMessage =
  | {
      readonly t: "ready";
      readonly session: string;
      /** The single-use token for the next reattach. */
      readonly token: string;
      /** `user@host`, for the status line. */
      readonly target: string;
      /** How long the server keeps the session without a page, ms. */
      readonly grace: number;
    }
  /** A reattach was accepted; `dropped` output bytes fell out of the replay buffer; the replay follows. */
  | { readonly t: "resumed"; readonly token: string; readonly dropped: number }
  /** A leg's last probe round trip measured by the server, ms. */
  | { readonly t: "rtt"; readonly leg: "ssh" | "browser"; readonly rtt: number }
  /** A request refused, and why; the socket closes next. */
  | { readonly t: "refused"; readonly reason: string }
  /** The session ended, and why (OpenSSH's words where it has some); the socket closes next. */
  | { readonly t: "ended"; readonly reason: string; readonly sshDown: boolean };

/** Close codes of the server (4000 is `@tsalive/ws`'s timeout). */
export const CLOSE_REFUSED = 4001;
export const CLOSE_ENDED = 4002;
/** The page was replaced by another that reattached with the token. */
export const CLOSE_REPLACED = 4003;

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isSize = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 10_000;
const isText = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= 200;

/** The page's message in `text`, or `undefined` when it is not one. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  switch (value.t) {
    case "open":
    case "resize":
      return isSize(value.cols) && isSize(value.rows) ? { t: value.t, cols: value.cols, rows: value.rows } : undefined;
    case "resume":
      return isText(value.session) && isText(value.token) && isCount(value.seen)
        ? { t: "resume", session: value.session, token: value.token, seen: value.seen }
        : undefined;
    case "ack":
      return isCount(value.seen) ? { t: "ack", seen: value.seen } : undefined;
    case "bye":
      return { t: "bye" };
    default:
      return undefined;
  }
}
