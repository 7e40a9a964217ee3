import { hook, type Undo } from "@tsalive/ssh2-layer";
import { channelState, type MessageHandlers, type Ssh2ClientInternals, type Ssh2Protocol } from "./_ssh2_internals.ts";

/** A want-reply channel request that ssh2 would have left unanswered, and the reply tsalive sent for it. */
export interface AnsweredRequest {
  /** Our channel id (the request's recipient). */
  readonly channel: number;
  /** The request type, e.g. `keepalive@openssh.com`. */
  readonly type: string;
  /** `success` for an `exit-status`/`exit-signal` that ssh2 handled, `failure` otherwise. */
  readonly reply: "success" | "failure";
  /**
   * The state ssh2 stays silent in: `opening` (the server addressed a channel whose open it had not confirmed yet;
   * answered once the confirmation tells us the server's channel id), `exited` (after exit-status or exit-signal,
   * until CHANNEL_CLOSE), `exit-request` (an exit-status or exit-signal that itself wanted a reply).
   */
  readonly state: "opening" | "exited" | "exit-request";
}

/**
 * Answers every want-reply channel request the ssh2 client leaves silent (client.js:655-681), so that a server
 * probing by channel request (OpenSSH's ClientAlive while a channel is open) never disconnects a healthy client.
 * Requests on a channel id that does not exist at all (never opened, or already closed by the server) have no
 * channel to address a reply to; OpenSSH disconnects on those, and so they are only counted.
 *
 * Returns the function that restores ssh2's handlers.
 */
export function answerWantReplies(
  internals: Ssh2ClientInternals,
  protocol: Ssh2Protocol,
  onAnswer: (answered: AnsweredRequest) => void,
  onUnanswerable: () => void,
): Undo {
  const handlers: MessageHandlers = protocol._handlers;
  const original = {
    request: handlers.CHANNEL_REQUEST,
    confirmation: handlers.CHANNEL_OPEN_CONFIRMATION,
    failure: handlers.CHANNEL_OPEN_FAILURE,
    close: handlers.CHANNEL_CLOSE,
  };
  /** Requests that arrived for channels still opening, by our channel id. */
  const deferred = new Map<number, string[]>();

  const reply = (answered: AnsweredRequest, remoteId: number): void => {
    if (answered.reply === "success") protocol.channelSuccess(remoteId);
    else protocol.channelFailure(remoteId);
    onAnswer(answered);
  };

  const onRequest: NonNullable<MessageHandlers["CHANNEL_REQUEST"]> = (p, recipient, type, wantReply, data) => {
    if (!wantReply) {
      original.request?.(p, recipient, type, wantReply, data);
      return;
    }
    const state = channelState(internals, recipient);
    if (state.kind === "opening") {
      const list = deferred.get(recipient);
      if (list === undefined) deferred.set(recipient, [type]);
      else list.push(type);
    } else if (state.kind === "unknown") {
      onUnanswerable();
    }
    const exitedBefore = state.kind === "open" && state.channel._exit.code !== undefined;
    original.request?.(p, recipient, type, wantReply, data);
    if (state.kind !== "open") return;
    const { outgoing } = state.channel;
    // After our CHANNEL_CLOSE nothing more may be sent on the channel (RFC 4254 §5.3); our close answers for it.
    if (outgoing.state !== "open" && outgoing.state !== "eof") return;
    if (exitedBefore) {
      reply({ channel: recipient, type, reply: "failure", state: "exited" }, outgoing.id);
    } else if (type === "exit-status" || type === "exit-signal") {
      // ssh2 acted on it (the channel's 'exit' event) but never replies.
      reply({ channel: recipient, type, reply: "success", state: "exit-request" }, outgoing.id);
    }
  };

  const onConfirmation: NonNullable<MessageHandlers["CHANNEL_OPEN_CONFIRMATION"]> = (p, info) => {
    original.confirmation?.(p, info);
    const types = deferred.get(info.recipient);
    if (types === undefined) return;
    deferred.delete(info.recipient);
    for (const type of types) reply({ channel: info.recipient, type, reply: "failure", state: "opening" }, info.sender);
  };

  const onOpenFailure: NonNullable<MessageHandlers["CHANNEL_OPEN_FAILURE"]> = (p, recipient, ...rest) => {
    deferred.delete(recipient);
    original.failure?.(p, recipient, ...rest);
  };

  const onClose: NonNullable<MessageHandlers["CHANNEL_CLOSE"]> = (p, recipient) => {
    deferred.delete(recipient);
    original.close?.(p, recipient);
  };

  const undo = [
    hook(handlers, "CHANNEL_REQUEST", onRequest),
    hook(handlers, "CHANNEL_OPEN_CONFIRMATION", onConfirmation),
    hook(handlers, "CHANNEL_OPEN_FAILURE", onOpenFailure),
    hook(handlers, "CHANNEL_CLOSE", onClose),
  ];
  return () => {
    deferred.clear();
    for (const restore of undo) restore();
  };
}
