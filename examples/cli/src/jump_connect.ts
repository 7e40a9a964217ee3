import { clientMonitorOptions } from "@tsalive/config";
import { type ChainHop, connectChain } from "@tsalive/ssh2-client";
import { ConnectFailure, type Connection, connectConfig, describeFailure } from "./connect.ts";
import type { JumpHop } from "./jump.ts";
import type { Log } from "./log.ts";
import type { ClientSettings } from "./settings.ts";

/**
 * Connects through a ProxyJump chain (nearest hop first, the target last) with `@tsalive/ssh2-client`'s
 * `connectChain`: every hop with its own ServerAlive, Heartbeat and ConnectTimeout from its own resolved
 * configuration and its own host key check, so that a dead hop is named (`Timeout, server HOP not responding.`) at
 * its own bound, where ssh only says `Broken pipe` early.
 *
 * @throws {ConnectFailure} with OpenSSH's message for the hop that failed.
 */
export async function connectThrough(chain: readonly JumpHop[], log: Log): Promise<Connection & { close(): void }> {
  const hostKeyFailures: (string | undefined)[] = [];
  const hops: ChainHop[] = chain.map(({ settings }, index) => {
    const { values } = settings.resolved;
    return {
      name: settings.hostName,
      connect: connectConfig(settings, log, (message) => {
        hostKeyFailures[index] = message;
      }),
      liveness: {
        ...clientMonitorOptions(values),
        ...(values.connectTimeout !== undefined && { connectTimeout: values.connectTimeout * 1000 }),
        tcpKeepAlive: values.tcpKeepAlive,
      },
    };
  });
  const connection = connectChain(hops);
  connection.on("ready", ({ index }) => {
    const { settings } = chain[index] as JumpHop;
    log.debug(`Authenticated to ${settings.hostName} ([${settings.hostName}]:${settings.port}) using "publickey".`);
  });
  connection.on("probe", ({ hop, unanswered }) => log.debug(`${hop}: ServerAlive probe ${unanswered} sent`));
  connection.on("reply", ({ hop, rtt }) =>
    log.debug(`${hop}: ServerAlive reply${rtt === undefined ? "" : `, rtt ${rtt.toFixed(1)} ms`}`),
  );
  for (const [index, { settings }] of chain.entries()) {
    if (index > 0)
      log.debug(
        `${chain[index - 1]?.settings.hostName}: channel to ${settings.hostName} port ${settings.port} (stdio forwarding)`,
      );
  }
  log.debug(
    `Connecting to ${chain[0]?.settings.hostName} [${chain[0]?.settings.hostName}] port ${chain[0]?.settings.port}.`,
  );
  let client: Awaited<typeof connection.ready>;
  try {
    client = await connection.ready;
  } catch (error) {
    const failed = (error as { hop?: { index: number } }).hop?.index ?? 0;
    const settings = (chain[failed] as JumpHop).settings as ClientSettings;
    const cause = ((error as Error).cause ?? error) as Error;
    const hostKey = hostKeyFailures[failed];
    throw hostKey !== undefined ? new ConnectFailure(hostKey, false, { cause }) : describeFailure(cause, settings);
  }
  const closed = connection.closed.then((end) => {
    if (end.cause === "timeout") return end.error?.message;
    if (end.cause === "closed") return `Connection to ${end.hop?.hop} closed by remote host.`;
    return undefined;
  });
  return {
    client,
    // The chain names hops by HostName, as OpenSSH's messages do; the dump by the Host as typed, which tells apart
    // hops on one address.
    dump: () =>
      connection.dump().map((hop) => ({ ...hop, hop: (chain[hop.index] as JumpHop).settings.resolved.values.host })),
    closed,
    close: () => void connection.close(),
  };
}
