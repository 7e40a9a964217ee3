/**
 * Channel tracking for UnusedConnectionTimeout and ChannelTimeout. Channels are counted from our open confirmations
 * (channels the client opened) and the client's confirmations (channels we opened) to the client's CHANNEL_CLOSE;
 * data either way marks a channel's ChannelTimeout monitor, and a session's request relabels it (sshd 9.2's
 * `session:command` and the like).
 */
import { hookAll, previous, stateOf, unhookAll, type Wrappers } from "@tsalive/ssh2-layer";
import { type ChannelRecord, ChannelRegistry } from "./_channels.ts";
import { labelOfSessionRequest } from "./_pattern.ts";
import { channelAt, type HandlerOf, type MessageHandlers, type Ssh2Protocol, sidesOf } from "./_ssh2_internals.ts";
import type { ConnectionState } from "./_state.ts";
import { fail } from "./_teardown.ts";
import type { ResolvedServerOptions } from "./options.ts";

const state = (p: object): ConnectionState | undefined => stateOf<ConnectionState>(p);

const onOpen: HandlerOf<"CHANNEL_OPEN"> = (p, info) => {
  const opening = state(p)?.opening;
  if (opening !== undefined) {
    // Accepted later through channelOpenConfirm, or rejected: bounded either way.
    if (opening.size > 64) opening.clear();
    opening.set(info.sender, info.type);
  }
  previous(p._handlers, onOpen)?.(p, info);
};
const onOpenConfirmation: HandlerOf<"CHANNEL_OPEN_CONFIRMATION"> = (p, info) => {
  previous(p._handlers, onOpenConfirmation)?.(p, info);
  const self = state(p);
  const internals = self?.internals;
  const channel = internals === undefined ? undefined : channelAt(internals, info.recipient);
  if (channel?.type !== undefined) self?.channels?.open(info.recipient, info.sender, channel.type);
};
const onRequest: HandlerOf<"CHANNEL_REQUEST"> = (p, recipient, type, wantReply, data) => {
  const label = labelOfSessionRequest(type, data);
  if (label !== undefined) state(p)?.channels?.relabel(recipient, label);
  previous(p._handlers, onRequest)?.(p, recipient, type, wantReply, data);
};
const onClose: HandlerOf<"CHANNEL_CLOSE"> = (p, recipient) => {
  previous(p._handlers, onClose)?.(p, recipient);
  state(p)?.channels?.close(recipient);
};
const onData: HandlerOf<"CHANNEL_DATA"> = (p, recipient, data) => {
  state(p)?.channels?.inbound(recipient);
  previous(p._handlers, onData)?.(p, recipient, data);
};
const onExtendedData: HandlerOf<"CHANNEL_EXTENDED_DATA"> = (p, recipient, data, type) => {
  state(p)?.channels?.inbound(recipient);
  previous(p._handlers, onExtendedData)?.(p, recipient, data, type);
};

function channelOpenConfirm(this: Ssh2Protocol, remote: number, local: number, window: number, size: number): void {
  previous(this, channelOpenConfirm)?.call(this, remote, local, window, size);
  const self = state(this);
  if (self?.opening === undefined) return;
  const type = self.opening.get(remote) ?? "session";
  self.opening.delete(remote);
  self.channels?.open(local, remote, type);
}
function channelData(this: Ssh2Protocol, id: number, data: Buffer): void {
  state(this)?.channels?.outbound(id);
  previous(this, channelData)?.call(this, id, data);
}
function channelExtData(this: Ssh2Protocol, id: number, data: Buffer, type: number): void {
  state(this)?.channels?.outbound(id);
  previous(this, channelExtData)?.call(this, id, data, type);
}

/** ChannelTimeout: close the channel as sshd does; its processes are stopped when the channel closes. */
function timedOut(self: ConnectionState, record: ChannelRecord): void {
  const internals = self.internals;
  const protocol = self.protocol;
  if (internals === undefined || protocol === undefined) return;
  const channel = channelAt(internals, record.local);
  record.monitor?.stop();
  record.monitor = undefined;
  self.emit("channel-timeout", { channel: record.local, label: record.label });
  const target = channel?._channel ?? channel;
  if (target?.close !== undefined) {
    target.close();
    return;
  }
  const sides = channel === undefined ? undefined : sidesOf(channel);
  if (sides !== undefined && (sides.outgoing.state === "open" || sides.outgoing.state === "eof")) {
    sides.outgoing.state = "closing";
    protocol.channelClose(sides.outgoing.id);
  }
}

const OPENS: Wrappers<MessageHandlers> = {
  CHANNEL_OPEN: onOpen,
  CHANNEL_OPEN_CONFIRMATION: onOpenConfirmation,
  CHANNEL_CLOSE: onClose,
  CHANNEL_REQUEST: onRequest,
};
const OPEN_METHODS: Wrappers<Ssh2Protocol> = { channelOpenConfirm };
const DATA: Wrappers<MessageHandlers> = { CHANNEL_DATA: onData, CHANNEL_EXTENDED_DATA: onExtendedData };
const DATA_METHODS: Wrappers<Ssh2Protocol> = { channelData, channelExtData };

/**
 * Tracks the channels of an authenticated connection: opens, closes and session requests always, data only with
 * ChannelTimeout. The protocol must carry the state.
 */
export function trackChannels(self: ConnectionState, protocol: Ssh2Protocol, options: ResolvedServerOptions): void {
  self.channels = new ChannelRegistry({
    channelTimeout: options.channelTimeout,
    unusedConnectionTimeout: options.unusedConnectionTimeout,
    common: options.common,
    channelTimedOut: (record) => timedOut(self, record),
    unused: () => fail(self, "UNUSED_CONNECTION_TIMEOUT", undefined),
  });
  self.opening = new Map();
  hookAll(protocol._handlers, OPENS);
  hookAll(protocol, OPEN_METHODS);
  if (options.channelTimeout.length > 0) {
    hookAll(protocol._handlers, DATA);
    hookAll(protocol, DATA_METHODS);
  }
}

/** Takes out what {@linkcode trackChannels} put in (nothing when it did not run). */
export function untrackChannels(self: ConnectionState, protocol: Ssh2Protocol): void {
  if (self.channels === undefined) return;
  unhookAll(protocol, DATA_METHODS);
  unhookAll(protocol._handlers, DATA);
  unhookAll(protocol, OPEN_METHODS);
  unhookAll(protocol._handlers, OPENS);
  self.channels.dispose();
  self.opening?.clear();
}
