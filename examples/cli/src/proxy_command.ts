import { type ChildProcess, spawn } from "node:child_process";
import { Duplex } from "node:stream";
import { percentExpand } from "@tsalive/config/unstable";
import type { Log } from "./log.ts";

/** The tokens ssh expands in ProxyCommand (sshconnect.c expand_proxy_command): `%h %n %p %r` and `%%`. */
export interface ProxyTokens {
  /** `%h`: the HostName. */
  readonly host: string;
  /** `%n`: the host as given on the command line. */
  readonly original: string;
  readonly port: number;
  readonly user: string;
}

/**
 * ssh's ProxyCommand string: `exec ` before the command (the shell is replaced by it, so its exit is the command's
 * and a signal reaches it), tokens expanded.
 *
 * @example
 * ```ts
 * import { expandProxyCommand } from "./proxy_command.ts";
 * expandProxyCommand("nc %h %p", { host: "10.0.0.2", original: "db", port: 22, user: "me" }); // { value: "exec nc 10.0.0.2 22" }
 * expandProxyCommand("nc %z", { host: "h", original: "h", port: 22, user: "me" }); // { error: "percent_expand: unknown key %z" }
 * ```
 */
export function expandProxyCommand(command: string, tokens: ProxyTokens): ReturnType<typeof percentExpand> {
  return percentExpand(`exec ${command}`, {
    h: tokens.host,
    n: tokens.original,
    p: String(tokens.port),
    r: tokens.user,
  });
}

/** A running ProxyCommand: its stdio as the SSH transport. */
export interface ProxyCommand {
  /** The command's stdout (what the server sends) and stdin (what we send), as one stream for ssh2's `sock`. */
  readonly stream: Duplex;
  readonly child: ChildProcess;
  /** Resolves when the command has exited, with ssh-style words for how (`status 3`, `signal SIGHUP`). */
  readonly exited: Promise<string>;
  /** Ends the command as ssh does when it is done with it (SIGHUP, sshconnect.c ssh_kill_proxy_command). */
  stop(): void;
}

/**
 * Runs an expanded ProxyCommand as ssh does: `$SHELL -c` (default `/bin/sh`), stdin and stdout are the transport,
 * stderr is ours (the user sees what the command prints). Its exit is logged at `-v`.
 */
export function startProxyCommand(command: string, log: Log): ProxyCommand {
  log.debug(`Executing proxy command: ${command}`);
  const child = spawn(process.env.SHELL || "/bin/sh", ["-c", command], { stdio: ["pipe", "pipe", "inherit"] });
  const stdin = child.stdin as NonNullable<typeof child.stdin>;
  const stdout = child.stdout as NonNullable<typeof child.stdout>;
  stdin.on("error", () => {}); // EPIPE once the command is gone: the transport's close says so.
  const stream = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (stdin.destroyed) return callback();
      stdin.write(chunk, () => callback());
    },
    final(callback) {
      stdin.end();
      callback();
    },
    destroy(error, callback) {
      stdin.destroy();
      stdout.destroy();
      callback(error);
    },
  });
  stdout.on("data", (chunk: Buffer) => {
    if (!stream.push(chunk)) stdout.pause();
  });
  stdout.on("end", () => stream.push(null));
  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => {
      resolve(`error ${error.message}`);
      stream.destroy();
    });
    child.once("exit", (code, signal) => {
      const how = signal === null ? `status ${code}` : `signal ${signal}`;
      log.debug(`proxy command exited with ${how}`);
      resolve(how);
    });
  });
  // Once the command has exited and its output is read, the transport is closed.
  child.once("close", () => stream.destroy());
  return {
    stream,
    child,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGHUP");
    },
  };
}
