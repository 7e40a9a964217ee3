/**
 * The one door to ssh2's private fields that both adapters share. Private: tsup bundles it into
 * `@tsalive/ssh2-client` and `@tsalive/ssh2-server` (`noExternal`), so neither published package depends on it.
 *
 * @module
 */

export {
  type ActivityState,
  type Marks,
  markBytes,
  markPackets,
  markParsed,
  markWrites,
  type PacketState,
  unmarkBytes,
  unmarkPackets,
  unmarkParsed,
  unmarkWrites,
} from "./activity.ts";
export { compatibilityMessage, type Incompatible, SSH2_RANGE, TESTED_SSH2_VERSIONS } from "./errors.ts";
export { hook, hookAll, previous, type Undo, unhook, unhookAll, type Wrappers } from "./hook.ts";
export { checkPing, listsPing, type PingState, usePing } from "./ping.ts";
export {
  checkModules,
  checkProtocol,
  inKeyExchange,
  type PacketWriter,
  type Ssh2Protocol,
  sendPacket,
} from "./protocol.ts";
export { bindState, stateOf } from "./state.ts";
export { sendChannelKeepalive, sendGlobalKeepalive, sendIgnore, sendPing } from "./writers.ts";
