import { readFileSync } from "node:fs";
import ssh2 from "ssh2";
import type { Log } from "./log.ts";

/** An ssh2 authentication method, in the order ssh tries them: the agent, then each identity file. */
export type AuthMethod =
  | { type: "agent"; username: string; agent: string }
  | { type: "publickey"; username: string; key: Buffer };

/**
 * The public-key methods to try: the agent (when `SSH_AUTH_SOCK` is set and IdentitiesOnly is off), then every
 * identity file that exists and needs no passphrase. Files that are missing are skipped quietly (debug1), as ssh
 * does for its default list; encrypted keys are skipped with a note, since tsalive-ssh never prompts for one.
 */
export function authMethods(
  username: string,
  identityFiles: readonly string[],
  identitiesOnly: boolean,
  log: Log,
): AuthMethod[] {
  const methods: AuthMethod[] = [];
  const agent = process.env.SSH_AUTH_SOCK;
  if (agent && !identitiesOnly) methods.push({ type: "agent", username, agent });
  for (const file of identityFiles) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch {
      log.debug(`identity file ${file} type -1`);
      continue;
    }
    const parsed = ssh2.utils.parseKey(key);
    if (parsed instanceof Error) {
      log.debug(`identity file ${file}: ${parsed.message}; skipped (tsalive-ssh does not prompt for passphrases)`);
      continue;
    }
    log.debug(`identity file ${file} type ${(Array.isArray(parsed) ? parsed[0] : parsed)?.type ?? "?"}`);
    methods.push({ type: "publickey", username, key });
  }
  return methods;
}
