import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { blobType, fingerprint, typeName } from "./fingerprint.ts";
import { addKnownHost, findKnownHosts, knownHostName } from "./known_hosts.ts";
import type { Log } from "./log.ts";

/** How host keys are checked: the ssh_config keywords that decide it. */
export interface HostKeyPolicy {
  /** `yes`, `accept-new`, `no` (also `off`), or `ask` (ssh's default). */
  readonly strict: "yes" | "accept-new" | "no" | "ask";
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  /** BatchMode: never prompt. */
  readonly batchMode: boolean;
}

/** The outcome of a check; `ok: false` carries the lines ssh prints before failing. */
export type HostKeyVerdict = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * Verifies the server's host key as ssh does (check_host_key in sshconnect.c): a known key passes; a revoked key
 * or a changed key is refused loudly (a changed key is let through only with StrictHostKeyChecking no, with the
 * warning, as ssh does); an unknown key is refused with `yes`, added with `accept-new`/`no`, and asked about on
 * the terminal with `ask` unless BatchMode is on or there is no terminal.
 */
export async function verifyHostKey(
  host: string,
  port: number,
  blob: Buffer,
  policy: HostKeyPolicy,
  log: Log,
): Promise<HostKeyVerdict> {
  const name = knownHostName(host, port);
  const type = blobType(blob);
  const shown = typeName(type);
  const files = [...policy.userKnownHostsFiles, ...policy.globalKnownHostsFiles];
  const entries = findKnownHosts(files, name);
  const revoked = entries.find((e) => e.marker === "revoked" && e.key.equals(blob));
  if (revoked) {
    return {
      ok: false,
      message: `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@       WARNING: REVOKED HOST KEY DETECTED!               @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
The ${shown} host key for ${name} is marked as revoked.
This could mean that a stolen key is being used to
impersonate this host.
Host key verification failed.`,
    };
  }
  const plain = entries.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.type === type && e.key.equals(blob));
  if (match) {
    log.debug(`Host '${name}' is known and matches the ${shown} host key.`);
    log.debug(`Found key in ${match.file}:${match.line}`);
    return { ok: true };
  }
  const offending = plain.find((e) => e.type === type);
  if (offending) {
    const userFile = policy.userKnownHostsFiles[0] ?? "~/.ssh/known_hosts";
    const warning = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ${shown} key sent by the remote host is
${fingerprint(blob)}.
Please contact your system administrator.
Add correct host key in ${userFile} to get rid of this message.
Offending ${typeName(offending.type)} key in ${offending.file}:${offending.line}`;
    if (policy.strict === "no") {
      log.error(warning);
      return { ok: true };
    }
    return {
      ok: false,
      message: `${warning}\nHost key for ${name} has changed and you have requested strict checking.\nHost key verification failed.`,
    };
  }
  // Unknown host (or only keys of other types are known).
  if (policy.strict === "yes") {
    return {
      ok: false,
      message: `No ${shown} host key is known for ${name} and you have requested strict checking.\nHost key verification failed.`,
    };
  }
  if (policy.strict === "ask") {
    if (policy.batchMode || !process.stdin.isTTY) return { ok: false, message: "Host key verification failed." };
    const answer = await prompt(
      `The authenticity of host '${name} (${host})' can't be established.\n${shown} key fingerprint is ${fingerprint(blob)}.\nThis key is not known by any other names.\nAre you sure you want to continue connecting (yes/no/[fingerprint])? `,
    );
    if (answer !== "yes" && answer !== fingerprint(blob))
      return { ok: false, message: "Host key verification failed." };
  }
  const file = policy.userKnownHostsFiles[0];
  if (file !== undefined && file !== "/dev/null") {
    try {
      addKnownHost(file, name, type, blob);
      log.info(`Warning: Permanently added '${name}' (${shown}) to the list of known hosts.`);
    } catch (error) {
      log.error(`Failed to add the host to the list of known hosts (${file}): ${(error as Error).message}`);
    }
  }
  return { ok: true };
}

/** Asks on the terminal (/dev/tty), as ssh does, so piped stdin is never read. */
async function prompt(question: string): Promise<string> {
  const input = createReadStream("/dev/tty");
  const output = createWriteStream("/dev/tty");
  const rl = createInterface({ input, output });
  try {
    return await new Promise<string>((resolve) => rl.question(question, (a) => resolve(a.trim())));
  } finally {
    rl.close();
    input.destroy();
    output.end();
  }
}
