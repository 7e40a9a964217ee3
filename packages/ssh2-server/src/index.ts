/**
 * OpenSSH-exact liveness for ssh2 servers: ClientAlive without sshd 9.2's 2·I drift, SSH_MSG_IGNORE heartbeats, a
 * watchdog that stops a silent connection's processes, UnusedConnectionTimeout, ChannelTimeout, answers to every
 * want-reply request, and a supervisor for the processes each connection starts.
 *
 * @module
 */

export type { ProcessStat, ProcessTable } from "./_process_table.ts";
export type { Refusal } from "./_refuse.ts";
export type { StoppedProcess } from "./_stop_processes.ts";
export {
  attach,
  attachConnection,
  ServerLiveness,
  type ServerLivenessEvents,
  type ServerLivenessStats,
  SSH2_KEEPALIVE_OFF,
} from "./attach.ts";
export type { ChannelInfo } from "./channel_info.ts";
export {
  type AnsweredRequest,
  ConnectionLiveness,
  type ConnectionLivenessEvents,
  type ConnectionLivenessStats,
} from "./connection.ts";
export {
  formatPeer,
  type Peer,
  type ServerTimeoutCode,
  ServerTimeoutError,
  SSH2_RANGE,
  Ssh2CompatibilityError,
  TESTED_SSH2_VERSIONS,
} from "./errors.ts";
export type { ConnectionInfo, ServerOptions, ServerOptionsInput } from "./options.ts";
export { sshdMatchConnection } from "./sshd_config.ts";
export {
  type ExecChannel,
  type ExecOptions,
  ProcessSupervisor,
  type SupervisedProcess,
  type SupervisedSpawnOptions,
  type SupervisorOptions,
} from "./supervisor.ts";
