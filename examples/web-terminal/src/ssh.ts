import { createHash } from "node:crypto";
import { attach, type ClientLiveness } from "@tsalive/ssh2-client";
import ssh2 from "ssh2";
import type { SshTarget } from "./target.ts";

/** An authenticated SSH connection with a shell on a pty, and tsalive's liveness on it. */
export interface SshLeg {
  readonly client: ssh2.Client;
  readonly liveness: ClientLiveness;
  readonly stream: ssh2.ClientChannel;
  /**
   * Resolves once the connection is closed, with why, in OpenSSH's words where it has some, and whether the leg
   * died (a timeout or an error) rather than closing normally.
   */
  readonly closed: Promise<{ readonly reason: string; readonly dead: boolean }>;
}

/** `SHA256:…` of a host key, as `ssh-keygen -lf` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Connects to `target`, checks its host key, logs in with the target's key and opens a shell on a pty of
 * `cols` × `rows`. ServerAliveInterval/CountMax run through `@tsalive/ssh2-client`: a dead server ends the
 * connection at its bound with `Timeout, server HOST not responding.`
 *
 * @throws {Error} with ssh's message when the connection, the login or the shell fails.
 */
export function connectSsh(target: SshTarget, cols: number, rows: number): Promise<SshLeg> {
  const client = new ssh2.Client();
  const liveness = attach(client, {
    ...target.liveness,
    ...(target.connectTimeout !== undefined && { connectTimeout: target.connectTimeout }),
    tcpKeepAlive: target.tcpKeepAlive,
    host: target.hostName,
  });
  const where = `${target.hostName} port ${target.port}`;
  let reason: string | undefined;
  let hostKeyFailure: string | undefined;
  liveness.on("timeout", (error) => {
    reason ??= error.message;
  });
  const closed = new Promise<{ reason: string; dead: boolean }>((resolve) => {
    // The client's 'error' can follow 'close' by a tick: read the reason a turn later.
    client.once("close", () =>
      setImmediate(() =>
        resolve({ reason: reason ?? `Connection to ${target.hostName} closed.`, dead: reason !== undefined }),
      ),
    );
  });
  return new Promise<SshLeg>((resolve, reject) => {
    let ready = false;
    client.on("error", (error: Error & { code?: string; level?: string }) => {
      const message = hostKeyFailure ?? describe(error, target, where);
      reason ??= message;
      if (!ready) reject(new Error(message));
    });
    client.once("close", () => {
      if (!ready) reject(new Error(reason ?? `Connection closed by ${where}`));
    });
    client.once("ready", () => {
      client.setNoDelay(true);
      client.shell({ term: "xterm-256color", cols, rows }, (error, stream) => {
        if (error) {
          reject(new Error(`shell request failed on channel 0: ${error.message}`));
          client.end();
          return;
        }
        ready = true;
        resolve({ client, liveness, stream, closed });
      });
    });
    client.connect({
      host: target.hostName,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: 2 ** 31 - 1,
      hostVerifier: (key: Buffer) => {
        if (target.hostKey === "any" || fingerprint(key) === target.hostKey) return true;
        hostKeyFailure = `Host key verification failed: ${where} presented ${fingerprint(key)}, expected ${target.hostKey}`;
        return false;
      },
    });
  });
}

function describe(error: Error & { code?: string; level?: string }, target: SshTarget, where: string): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return `ssh: connect to host ${where}: Connection refused`;
    case "ETIMEDOUT":
      return `ssh: connect to host ${where}: Connection timed out`;
    case "ECONNRESET":
      return `Connection reset by ${where}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `ssh: Could not resolve hostname ${target.hostName}: Name or service not known`;
  }
  if (error.level === "client-authentication")
    return `${target.user}@${target.hostName}: Permission denied (publickey).`;
  return error.message;
}
