import type { OpenSshVersion } from "../openssh_version.ts";

/**
 * Keywords whose last line wins, unlike every other (servconf.c stored them without checking for a value);
 * 10.1 made MaxStartups and PerSourceNetBlockSize first-match-wins, a later release IPQoS.
 */
export const LAST_WINS: Readonly<Record<OpenSshVersion, readonly string[]>> = {
  "9.2": ["streamlocalbindmask", "maxstartups", "persourcemaxstartups", "persourcenetblocksize", "ipqos"],
  "10.0": ["streamlocalbindmask", "maxstartups", "persourcenetblocksize", "ipqos"],
  "10.6": [],
};
