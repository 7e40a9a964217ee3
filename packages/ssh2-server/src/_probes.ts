/**
 * ClientAlive probes and the matching of their replies. Replies carry no id: global ones come in order on one FIFO
 * (ssh2's server keeps none: its REQUEST_SUCCESS/FAILURE are dropped, handlers.misc.js:692-702), channel ones in
 * order per channel, shared with ssh2's own requests on that channel.
 */
import {
  hook,
  hookAll,
  previous,
  sendChannelKeepalive,
  sendGlobalKeepalive,
  stateOf,
  unhook,
  unhookAll,
  type Wrappers,
} from "@tsalive/ssh2-layer";
import {
  channelCallbacks,
  firstOpenChannel,
  type HandlerOf,
  type MessageHandlers,
  type Ssh2Protocol,
} from "./_ssh2_internals.ts";
import type { ConnectionState } from "./_state.ts";

const state = (p: Ssh2Protocol): ConnectionState => stateOf<ConnectionState>(p) as ConnectionState;

function globalReply(self: ConnectionState): boolean {
  if (self.globalProbes === 0) return false;
  self.globalProbes--;
  self.monitor?.markReply();
  return true;
}

/** Whether a CHANNEL_SUCCESS/FAILURE on our channel `recipient` answers one of our probes. */
function channelReply(self: ConnectionState, recipient: number): boolean {
  const pending = self.channelProbes?.get(recipient);
  if (pending === undefined || pending.length === 0) return false;
  if (pending[0] === 0) {
    pending.shift();
    if (pending.length === 0) self.channelProbes?.delete(recipient);
    self.monitor?.markReply();
    return true;
  }
  // An earlier request of ssh2's own is answered: every probe waits for one reply fewer.
  for (let i = 0; i < pending.length; i++) pending[i] = (pending[i] as number) - 1;
  return false;
}

const onRequestSuccess: HandlerOf<"REQUEST_SUCCESS"> = (p, data) => {
  if (!globalReply(state(p))) previous(p._handlers, onRequestSuccess)?.(p, data);
};
const onRequestFailure: HandlerOf<"REQUEST_FAILURE"> = (p) => {
  if (!globalReply(state(p))) previous(p._handlers, onRequestFailure)?.(p);
};
const onChannelSuccess: HandlerOf<"CHANNEL_SUCCESS"> = (p, recipient) => {
  if (!channelReply(state(p), recipient)) previous(p._handlers, onChannelSuccess)?.(p, recipient);
};
const onChannelFailure: HandlerOf<"CHANNEL_FAILURE"> = (p, recipient) => {
  if (!channelReply(state(p), recipient)) previous(p._handlers, onChannelFailure)?.(p, recipient);
};
const onChannelClose: HandlerOf<"CHANNEL_CLOSE"> = (p, recipient) => {
  state(p).channelProbes?.delete(recipient);
  previous(p._handlers, onChannelClose)?.(p, recipient);
};

/**
 * ssh2's server keepalive (server.js:394-475, on by default, 15 s × 3) pings with `proto.ping()` from a setInterval
 * and gives up with `end()`, which waits forever on a dead peer. Its timer cannot be reached, so its pings are
 * swallowed and each one resets its counter instead (through its `_onPacket`, which is that reset): it never probes
 * and never ends the connection. `SSH2_KEEPALIVE_OFF` keeps its timer from running at all.
 */
function ping(this: Ssh2Protocol): void {
  stateOf<ConnectionState>(this)?.ssh2OnPacket?.();
}

const HANDLERS: Wrappers<MessageHandlers> = {
  REQUEST_SUCCESS: onRequestSuccess,
  REQUEST_FAILURE: onRequestFailure,
  CHANNEL_SUCCESS: onChannelSuccess,
  CHANNEL_FAILURE: onChannelFailure,
  CHANNEL_CLOSE: onChannelClose,
};

/** Installs reply matching and the swallowing of ssh2's own keepalive on `protocol`, which carries the state. */
export function installProbes(protocol: Ssh2Protocol): void {
  hookAll(protocol._handlers, HANDLERS);
  hook(protocol, "ping", ping);
}

/** Takes out what {@linkcode installProbes} put in. */
export function removeProbes(protocol: Ssh2Protocol): void {
  unhook(protocol, "ping", ping);
  unhookAll(protocol._handlers, HANDLERS);
}

/** ClientAlive as sshd sends it (serverloop.c): on the first open channel when there is one, else global. */
export function sendProbe(self: ConnectionState, protocol: Ssh2Protocol): void {
  const internals = self.internals;
  const open = internals === undefined ? undefined : firstOpenChannel(internals);
  if (open === undefined) {
    self.lastProbeOnChannel = false;
    self.globalProbes++;
    sendGlobalKeepalive(protocol);
    return;
  }
  self.lastProbeOnChannel = true;
  self.channelProbes ??= new Map();
  const pending = self.channelProbes.get(open.local);
  const ahead = channelCallbacks(open.channel);
  if (pending === undefined) self.channelProbes.set(open.local, [ahead]);
  else pending.push(ahead);
  sendChannelKeepalive(protocol, open.remote);
}
