/**
 * Want-reply answers. ssh2 answers a want-reply request on a session only before the session starts and before the
 * client ends it: afterwards its accept/reject do nothing (server.js:829-1013), so a request such as a
 * `keepalive@openssh.com` channel probe on a running command goes unanswered and the client eventually gives up.
 * tsalive answers those with CHANNEL_FAILURE, as sshd does for requests it does not handle.
 */
import { hook, previous, stateOf, unhook } from "@tsalive/ssh2-layer";
import { channelAt, type HandlerOf, isSession, type MessageHandlers, sidesOf } from "./_ssh2_internals.ts";
import type { ConnectionState } from "./_state.ts";

const onChannelRequest: HandlerOf<"CHANNEL_REQUEST"> = (p, recipient, type, wantReply, data) => {
  const ssh2 = previous(p._handlers, onChannelRequest);
  const self = stateOf<ConnectionState>(p);
  const internals = self?.internals;
  const channel = internals === undefined ? undefined : channelAt(internals, recipient);
  if (self === undefined || !wantReply || channel === undefined || !isSession(channel)) {
    if (self !== undefined && wantReply && channel === undefined) self.unanswerable++;
    ssh2?.(p, recipient, type, wantReply, data);
    return;
  }
  const state = channel._ending === true ? "ending" : channel._channel !== undefined ? "started" : undefined;
  ssh2?.(p, recipient, type, wantReply, data);
  if (state === undefined) return;
  const sides = sidesOf(channel);
  // After our CHANNEL_CLOSE nothing more may be sent on the channel (RFC 4254 §5.3); our close answers for it.
  if (sides === undefined || (sides.outgoing.state !== "open" && sides.outgoing.state !== "eof")) return;
  p.channelFailure(sides.outgoing.id);
  self.answered++;
  self.emit("answer", { channel: recipient, type, state });
};

/** Installs the answers on `protocol`, which carries the state. */
export function installAnswers(protocol: { _handlers: MessageHandlers }): void {
  hook(protocol._handlers, "CHANNEL_REQUEST", onChannelRequest);
}

/** Takes out what {@linkcode installAnswers} put in. */
export function removeAnswers(protocol: { _handlers: MessageHandlers }): void {
  unhook(protocol._handlers, "CHANNEL_REQUEST", onChannelRequest);
}
