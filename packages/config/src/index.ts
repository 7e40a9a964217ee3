/**
 * ssh_config and sshd_config, parsed losslessly and resolved exactly as `ssh -G` and `sshd -T` do.
 *
 * @module
 */
export {
  badOptionsError,
  ConfigError,
  type ConfigErrorCode,
  type ConfigIssue,
  displayName,
} from "./errors.ts";
export { type ConfigFileSystem, memoryFileSystem } from "./fs.ts";
export { expandIncludeGlob, fnmatch } from "./glob.ts";
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
export { convtime, formatTime, INT_MAX } from "./time.ts";
export {
  firstIssue,
  flagValue,
  integerValue,
  portValue,
  SERVICE_PORTS,
  strtonum,
  timeOrNoneValue,
  timeValue,
} from "./values.ts";
