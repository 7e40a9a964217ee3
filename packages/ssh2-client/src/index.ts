/**
 * OpenSSH-exact liveness for ssh2 clients: ServerAlive probes, SSH_MSG_IGNORE heartbeats, answers to every
 * want-reply request, TCPKeepAlive and ConnectTimeout, attached to the `Client` you already have.
 *
 * @module
 */

export type { AnsweredRequest } from "./_want_reply.ts";
export { attach, ClientLiveness, type ClientLivenessEvents, type ClientLivenessStats } from "./attach.ts";
export {
  Chain,
  type ChainEnd,
  ChainError,
  type ChainEvents,
  type ChainHop,
  connectChain,
  type HopDump,
  type HopRef,
} from "./chain.ts";
export { type ChannelDump, type ConnectionDump, type DumpOptions, type DumpTarget, dumpConnection } from "./dump.ts";
export {
  type ClientTimeoutCode,
  ClientTimeoutError,
  SSH2_RANGE,
  Ssh2CompatibilityError,
  TESTED_SSH2_VERSIONS,
} from "./errors.ts";
export type { ClientOptions } from "./options.ts";
export {
  type BackoffOptions,
  classifyCause,
  type DisconnectCause,
  type Supervised,
  type SuperviseOptions,
  type SupervisionEnd,
  Supervisor,
  type SupervisorEvents,
  type SupervisorState,
  supervise,
} from "./reconnect.ts";
