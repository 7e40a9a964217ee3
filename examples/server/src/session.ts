import type { ProcessSupervisor } from "@tsalive/ssh2-server";
import type { Session } from "ssh2";
import type { Log } from "./log.ts";
import { loadPty, PtyProcess } from "./pty.ts";
import type { Account } from "./users.ts";

interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
}

/** What a session needs from its connection. */
export interface SessionContext {
  readonly account: Account;
  readonly supervisor: ProcessSupervisor;
  readonly log: Log;
  /** `user ADDR port P`, for log lines. */
  readonly peer: string;
  /** The configuration's `Subsystem` lines by name; a subsystem request for another name is refused. */
  readonly subsystems?: ReadonlyMap<string, string>;
  readonly remote: { addr: string; port: number; laddr: string; lport: number };
}

/**
 * Serves one session channel as sshd does: `pty-req`, `env`, `window-change`, then `shell`, `exec` or `subsystem`
 * (a configured `Subsystem` command, run through the user's shell as sshd runs it). Every shell or command leads a session of its own under the connection's supervisor, so the
 * watchdog, the channel's close and the connection's close reach every process of it (each job's group, orphans,
 * `nohup`); with a pty it runs through node-pty, else over pipes.
 */
export function serveSession(session: Session, context: SessionContext): void {
  let pty: PtyRequest | undefined;
  const env: Record<string, string> = {};
  let resize: ((cols: number, rows: number) => void) | undefined;
  session.on("pty", (accept, _reject, info) => {
    pty = { term: info.term || "xterm", cols: info.cols || 80, rows: info.rows || 24 };
    accept?.();
  });
  session.on("window-change", (accept, _reject, info) => {
    resize?.(info.cols, info.rows);
    accept?.();
  });
  session.on("env", (accept, _reject, info) => {
    env[info.key] = info.val;
    accept?.();
  });
  const start = (
    command: string | undefined,
    accept: () => import("ssh2").ServerChannel,
    what = command === undefined ? "shell" : `command "${command}"`,
  ) => {
    const { account, supervisor, log, remote } = context;
    const environment: Record<string, string> = {
      USER: account.name,
      LOGNAME: account.name,
      HOME: account.home,
      SHELL: account.shell,
      PATH: "/usr/local/bin:/usr/bin:/bin:/usr/games",
      SSH_CLIENT: `${remote.addr} ${remote.port} ${remote.lport}`,
      SSH_CONNECTION: `${remote.addr} ${remote.port} ${remote.laddr} ${remote.lport}`,
      ...env,
    };
    const ids = process.getuid?.() === 0 && account.uid !== 0 ? { uid: account.uid, gid: account.gid } : {};
    const channel = accept();
    if (pty !== undefined) {
      const support = loadPty();
      if ("spawn" in support) {
        const args = command === undefined ? ["-l"] : ["-c", command];
        const terminal = support.spawn(account.shell, args, {
          name: pty.term,
          cols: pty.cols,
          rows: pty.rows,
          cwd: account.home,
          env: { ...environment, TERM: pty.term },
          ...ids,
        });
        const child = new PtyProcess(terminal, [account.shell, ...args]);
        supervisor.track(child);
        log.debug(`session: ${what} in a pty, session ${terminal.pid}`);
        resize = (cols, rows) => terminal.resize(cols, rows);
        terminal.onData((data) => channel.write(data));
        channel.on("data", (data: Buffer) => terminal.write(data));
        channel.once("close", () => void supervisor.stop(child));
        child.once("exit", (code: number | null, signal: string | null) => {
          try {
            if (signal !== null) channel.exit(signal.replace(/^SIG/, ""), false, "");
            else channel.exit(code ?? 255);
            channel.end();
          } catch {
            // the connection went away first
          }
        });
        return;
      }
      log.info(`tsalive-sshd: no pty for this session: node-pty is unavailable (${support.unavailable}); using pipes`);
      channel.stderr.write("tsalive-sshd: PTY allocation failed (node-pty unavailable); running without a pty\r\n");
    }
    const child = supervisor.exec(channel, command ?? `exec ${account.shell}`, {
      shell: command === undefined ? "/bin/sh" : account.shell,
      cwd: account.home,
      env: environment,
      ...ids,
    });
    log.debug(`session: ${what} over pipes, session ${child.pid}`);
  };
  session.on("shell", (accept) => start(undefined, accept));
  session.on("exec", (accept, _reject, info) => start(info.command, accept));
  session.on("subsystem", (accept, reject, info) => {
    const command = context.subsystems?.get(info.name);
    if (command === undefined || command === "internal-sftp") {
      const why = command === undefined ? "subsystem not found" : "internal-sftp is not built into tsalive-sshd";
      context.log.info(`subsystem request for ${info.name} by ${context.peer} failed, ${why}`);
      reject?.();
      return;
    }
    context.log.debug(`subsystem request for ${info.name} by ${context.peer}: ${command}`);
    start(command, accept, `subsystem ${info.name}`);
  });
}
