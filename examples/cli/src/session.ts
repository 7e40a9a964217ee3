import type ssh2 from "ssh2";

/** How a session ended: the remote exit status, or the signal that killed the remote command. */
export type SessionEnd = { readonly status: number } | { readonly signal: string } | { readonly lost: true };

/**
 * Runs the remote command (exec) or a shell on an authenticated connection with this process's stdio: stdin to the
 * channel (EOF when stdin ends), stdout and stderr back. With a pty (a shell on a terminal, or `-t`), the local
 * terminal is put in raw mode and window changes are passed on, as ssh does; it is restored at the end.
 */
export function runSession(client: ssh2.Client, command: string | undefined, pty: boolean): Promise<SessionEnd> {
  return new Promise((resolve, reject) => {
    const window = pty
      ? {
          term: process.env.TERM ?? "xterm",
          cols: process.stdout.columns ?? 80,
          rows: process.stdout.rows ?? 24,
        }
      : undefined;
    const onStream = (error: Error | undefined, stream: ssh2.ClientChannel) => {
      if (error) return reject(error);
      let end: SessionEnd = { lost: true };
      const stdin = process.stdin;
      const raw = pty && stdin.isTTY;
      if (raw) stdin.setRawMode(true);
      const onResize = () => stream.setWindow(process.stdout.rows ?? 24, process.stdout.columns ?? 80, 0, 0);
      if (pty) process.stdout.on("resize", onResize);
      stdin.pipe(stream);
      stream.pipe(process.stdout, { end: false });
      stream.stderr.pipe(process.stderr, { end: false });
      stream.on("exit", (code: number | null, signal?: string) => {
        end = signal !== undefined && signal !== null ? { signal } : { status: code ?? 255 };
      });
      stream.once("close", () => {
        stdin.unpipe(stream);
        stdin.pause();
        if (raw) stdin.setRawMode(false);
        if (pty) process.stdout.off("resize", onResize);
        resolve(end);
      });
    };
    if (command !== undefined) client.exec(command, window ? { pty: window } : {}, onStream);
    else if (window) client.shell(window, onStream);
    else client.shell(false, onStream);
  });
}
