/**
 * ssh_config and sshd_config, parsed losslessly and resolved exactly as `ssh -G` and `sshd -T` do. Every name
 * exported here is documented in the README's "API" section (a test keeps the two equal); OpenSSH's pattern
 * matching is in `@tsalive/config/unstable`, the real file system and `Match exec` in `@tsalive/config/node`.
 *
 * @module
 */

// Resolve: ssh -G and sshd -T.
export { type ClientConfigSources, type ResolvedClientConfig, resolveClientConfig } from "./client/config.ts";
// Explain.
export { type ClientExplanation, explainClientConfig } from "./client/explain.ts";
// Schemas, their types, and the keyword tables of each release.
export { type ClientKeyword, type ClientKeywordKind, clientKeywords } from "./client/keywords.ts";
// Print: ssh -G's and sshd -T's output.
export { type FormatClientConfigOptions, formatClientConfig } from "./client/print.ts";
export type {
  ClientArgument,
  ClientConfigInput,
  ClientConfigText,
  ClientResolution,
  ClientSetting,
  ResolveClientOptions,
} from "./client/resolve.ts";
export { type ClientConfig, clientConfigSchema, clientKeywordSchemas } from "./client/schema.ts";
// Parse, edit, stringify.
export { addBlock, type BlockSelector, quoteArgument, removeKeyword, setKeyword } from "./edit.ts";
// Errors.
export {
  ConfigError,
  type ConfigErrorCode,
  type ConfigIssue,
  MAX_CONFIG_FILE_BYTES,
  MAX_INCLUDE_MATCHES,
} from "./errors.ts";
// Where files are read from.
export { type ConfigFileStat, type ConfigFileSystem, memoryFileSystem } from "./fs.ts";
// Which OpenSSH.
export { DEFAULT_OPENSSH_VERSION, OPENSSH_VERSIONS, type OpenSshVersion } from "./openssh_version.ts";
export {
  type BlankLine,
  type CommentLine,
  type ConfigDocument,
  type ConfigLine,
  type ConfigLineKind,
  type DirectiveLine,
  type ParseOptions,
  parseConfig,
  parseLine,
  stringifyConfig,
} from "./parse.ts";
// Mappings to @tsalive/core.
export { type ServerBehaviour, serverBehaviour } from "./server/behaviour.ts";
export { type ResolvedServerConfig, resolveServerConfig, type ServerConfigSources } from "./server/config.ts";
export type { ServerConnection } from "./server/connection.ts";
export { explainServerConfig, type ServerExplanation } from "./server/explain.ts";
export { extensionNotice } from "./server/extension_notice.ts";
export { type ServerKeyword, type ServerKeywordKind, serverKeywords } from "./server/keywords.ts";
export { type FormatServerConfigOptions, formatServerConfig } from "./server/print.ts";
export type {
  ResolveServerOptions,
  ServerConfigInput,
  ServerConfigText,
  ServerResolution,
  ServerSetting,
} from "./server/resolve.ts";
export {
  type ChannelTimeoutEntry,
  type ListenAddress,
  type ServerConfig,
  serverConfigSchema,
  serverKeywordSchemas,
} from "./server/schema.ts";
// Provenance: where each value came from.
export { type Assignment, formatSource, type ValueSource } from "./source.ts";
export {
  type ClientLivenessValues,
  clientMonitorOptions,
  type ServerLivenessValues,
  type ServerTimeouts,
  serverMonitorOptions,
  serverTimeouts,
} from "./to_core.ts";
