import type ssh2 from "ssh2";
import { openFailureMessage } from "./channel_failure.ts";
import type { Log } from "./log.ts";
import type { StdioForward } from "./tunnel_spec.ts";

/**
 * `-W host:port`: this process's stdin and stdout through one `direct-tcpip` channel and no session, as ssh's
 * channel_connect_stdio_fwd does (originator 127.0.0.1 port 65535), so tsalive-ssh can be OpenSSH's ProxyCommand
 * or a hop of `ssh -J`. Resolves to the exit status: 0 once the channel closes (`stdio forwarding: done`), 255
 * when the server will not open it (`stdio forwarding failed`, after the channel's open failure).
 */
export function runStdioForward(client: ssh2.Client, spec: StdioForward, log: Log): Promise<number> {
  log.debug(`channel_connect_stdio_fwd: ${spec.host}:${spec.port}`);
  return new Promise((resolve) => {
    client.forwardOut("127.0.0.1", 65535, spec.host, spec.port, (error, stream) => {
      if (error) {
        log.info(openFailureMessage(0, error));
        log.error("stdio forwarding failed");
        resolve(255);
        return;
      }
      process.stdin.pipe(stream);
      stream.pipe(process.stdout);
      stream.once("close", () => {
        process.stdin.unpipe(stream);
        process.stdin.pause();
        log.debug("stdio forwarding: done");
        resolve(0);
      });
    });
  });
}
