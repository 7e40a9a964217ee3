/**
 * ssh_config and sshd_config, parsed losslessly and resolved exactly as `ssh -G` and `sshd -T` do.
 *
 * @module
 */

export { type ClientConfigSources, type ResolvedClientConfig, resolveClientConfig } from "./client/config.ts";
export { type ClientExplanation, explainClientConfig } from "./client/explain.ts";
export { formatProxyJump, type JumpHost, type ProxyJumpValue, parseProxyJump } from "./client/jump.ts";
export {
  CLIENT_ALIASES,
  CLIENT_CHOICES,
  CLIENT_EXTENSION_KEYWORDS,
  CLIENT_KEYWORDS,
  type ClientKeyword,
  type ClientKeywordKind,
  clientKeywords,
} from "./client/keywords.ts";
export { percentExpand } from "./client/percent.ts";
export { type FormatClientConfigOptions, formatClientConfig } from "./client/print.ts";
export {
  type ClientArgument,
  type ClientConfigInput,
  type ClientConfigText,
  type ClientResolution,
  type ClientSetting,
  type ResolveClientOptions,
  readClientConfig,
} from "./client/resolve.ts";
export { type ClientConfig, clientConfigSchema, clientKeywordSchemas } from "./client/schema.ts";
export { addBlock, type BlockSelector, quoteArgument, removeKeyword, setKeyword } from "./edit.ts";
export {
  badOptionsError,
  ConfigError,
  type ConfigErrorCode,
  type ConfigIssue,
  displayName,
  MAX_CONFIG_FILE_BYTES,
  MAX_INCLUDE_MATCHES,
} from "./errors.ts";
export {
  type ConfigFileStat,
  type ConfigFileSystem,
  defaultFileSystem,
  fileKind,
  fileSystemFromNodeFs,
  memoryFileSystem,
} from "./fs.ts";
export { expandIncludeGlob, fnmatch } from "./glob.ts";
export {
  DEFAULT_OPENSSH_VERSION,
  OPENSSH_VERSIONS,
  type OpenSshVersion,
  opensshAtLeast,
  opensshVersion,
} from "./openssh_version.ts";
export {
  asciiLower,
  type BlankLine,
  type CommentLine,
  type ConfigDocument,
  type ConfigLine,
  type ConfigLineKind,
  type DirectiveLine,
  type ParseOptions,
  parseConfig,
  parseLine,
  splitLines,
  stringifyConfig,
} from "./parse.ts";
export { matchHostname, matchPattern, matchPatternList, type PatternListResult } from "./pattern.ts";
export { serverWinner } from "./server/_winner.ts";
export { type AddressListResult, matchAddressList, parseAddress } from "./server/address.ts";
export { type ServerBehaviour, serverBehaviour } from "./server/behaviour.ts";
export {
  DEFAULT_AUTHORIZED_KEYS_FILES,
  DEFAULT_HOST_KEYS,
  type ResolvedServerConfig,
  resolveServerConfig,
  type ServerConfigSources,
} from "./server/config.ts";
export { explainServerConfig, type ServerExplanation } from "./server/explain.ts";
export {
  SERVER_CHOICES,
  SERVER_EXTENSION_KEYWORDS,
  SERVER_KEYWORDS,
  type ServerKeyword,
  type ServerKeywordKind,
  serverKeywords,
} from "./server/keywords.ts";
export {
  evaluateServerMatch,
  type MatchContext,
  type ServerConnection,
  sshdRelease,
} from "./server/match.ts";
export { type FormatServerConfigOptions, formatServerConfig } from "./server/print.ts";
export {
  extensionNotice,
  fileGroups,
  parseChannelTimeoutEntry,
  type ResolveServerOptions,
  readServerConfig,
  type ServerConfigInput,
  type ServerConfigText,
  type ServerResolution,
  type ServerSetting,
  SSHD_CONFIG_DIR,
  SSHD_CONFIG_FILE,
  TSALIVE_CONFIG_FILE,
} from "./server/resolve.ts";
export {
  type ChannelTimeoutEntry,
  channelTimeoutEntry,
  type ListenAddress,
  listenAddressValue,
  type ServerConfig,
  serverConfigSchema,
  serverFlagValue,
  serverKeywordSchemas,
} from "./server/schema.ts";
export { type Assignment, formatSource, type ValueSource } from "./source.ts";
export { convtime, formatTime, INT_MAX } from "./time.ts";
export {
  type ClientLivenessValues,
  clientMonitorOptions,
  type ServerLivenessValues,
  type ServerTimeouts,
  serverMonitorOptions,
  serverTimeouts,
} from "./to_core.ts";
export {
  a2port,
  firstIssue,
  flagValue,
  integerValue,
  parseServices,
  portValue,
  SERVICE_PORTS,
  strtonum,
  timeOrNoneValue,
  timeValue,
} from "./values.ts";
