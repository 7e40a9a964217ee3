import { connect } from "node:net";

/**
 * The first bytes a TCP port on 127.0.0.1 answers with, as text (an SSH server's identification line, through a
 * forward under test); `""` when nothing answers within `timeout` ms (default 1000) or the connection fails.
 *
 * @example
 * ```ts no-run
 * // no-run: needs something listening.
 * import { firstBytes } from "@tsalive/test-support";
 * (await firstBytes(2222)).startsWith("SSH-2.0-"); // true through a working -L forward to an SSH server
 * ```
 */
export function firstBytes(port: number, timeout = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("");
    }, timeout);
    socket.setEncoding("utf8");
    socket.once("data", (data: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    });
    socket.once("error", () => {
      clearTimeout(timer);
      resolve("");
    });
  });
}
