/**
 * An in-process ssh2 Server for scripting what a real server rarely does on cue: a want-reply channel request on a
 * channel whose open it has not confirmed yet, or after exit-status. It records the CHANNEL_SUCCESS/FAILURE
 * replies it receives. A throwaway host key; any authentication is accepted; loopback only.
 */
import type { AddressInfo } from "node:net";
import { generateHostKey } from "@tsalive/test-support";
import ssh2, { type Connection } from "ssh2";
import protocolUtils from "ssh2/lib/protocol/utils.js";

// ssh2 is CommonJS and Node cannot see `Server` as a named export.
const { Server } = ssh2;

const MESSAGE = { CHANNEL_REQUEST: 98 } as const;

/** The parts of the server-side protocol the script uses (test code: the adapter's own are in src/). */
interface ServerProtocol {
  _packetRW: { write: { allocStart: number; alloc(size: number): Buffer; finalize(packet: Buffer): Buffer } };
  _handlers: Record<string, ((...args: unknown[]) => unknown) | undefined>;
}

/** A reply the server received: which of its channels, and whether it was SUCCESS or FAILURE. */
export interface ReceivedReply {
  readonly channel: number;
  readonly reply: "success" | "failure";
}

/** One client connection as the script sees it. */
export interface ScriptedConnection {
  readonly connection: Connection;
  readonly replies: ReceivedReply[];
  /** The client's channel id of each CHANNEL_OPEN received, in order. */
  readonly opened: number[];
  /** Names of the global requests received, in order (keepalive@openssh.com for probes). */
  readonly globalRequests: string[];
  /** Sends CHANNEL_REQUEST to the client's channel `clientChannel`, with `extra` bytes of type-specific data. */
  request(clientChannel: number, type: string, wantReply: boolean, extra?: Buffer): void;
}

export interface ScriptedServer {
  readonly port: number;
  /** SSH_MSG_IGNOREs received over all connections (from the server's debug output). */
  readonly ignoresReceived: number;
  /** `performance.now()` at each SSH_MSG_IGNORE received, in order: the server's own clock of heartbeats. */
  readonly ignoreTimes: readonly number[];
  /** Resolves with the next connection accepted after this call, once its client has authenticated. */
  nextConnection(): Promise<ScriptedConnection>;
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const hostKey = generateHostKey();
  /** Connections accepted so far; `nextConnection()` only hands out those accepted after it was called. */
  let accepted = 0;
  const waiting: { readonly after: number; readonly resolve: (connection: ScriptedConnection) => void }[] = [];
  const connections = new Set<Connection>();
  // ssh2's own server keepalive is on by default; push it out of the way (SSH2-NOTES.md).
  let ignoresReceived = 0;
  const ignoreTimes: number[] = [];
  const debug = (message: string): void => {
    // ssh2 prefixes a connection id
    if (message.endsWith("Inbound: Received IGNORE")) {
      ignoresReceived++;
      ignoreTimes.push(performance.now());
    }
  };
  const server = new Server({ hostKeys: [hostKey], keepaliveInterval: 2 ** 31 - 1, debug }, (connection) => {
    const index = accepted++;
    connections.add(connection);
    connection.on("close", () => connections.delete(connection));
    connection.on("error", () => {});
    const protocol = (connection as unknown as { _protocol: ServerProtocol })._protocol;
    const replies: ReceivedReply[] = [];
    const opened: number[] = [];
    const globalRequests: string[] = [];
    const handlers = protocol._handlers;
    const wrap = (name: string, record: (...args: unknown[]) => void): void => {
      const original = handlers[name];
      handlers[name] = (...args: unknown[]) => {
        record(...args);
        return original?.(...args);
      };
    };
    wrap("CHANNEL_SUCCESS", (_p, recipient) => replies.push({ channel: recipient as number, reply: "success" }));
    wrap("CHANNEL_FAILURE", (_p, recipient) => replies.push({ channel: recipient as number, reply: "failure" }));
    wrap("CHANNEL_OPEN", (_p, info) => opened.push((info as { sender: number }).sender));
    wrap("GLOBAL_REQUEST", (_p, name) => globalRequests.push(name as string));
    const scripted: ScriptedConnection = {
      connection,
      replies,
      opened,
      globalRequests,
      request(clientChannel, type, wantReply, extra = Buffer.alloc(0)) {
        const writer = protocol._packetRW.write;
        const name = Buffer.from(type, "latin1");
        const start = writer.allocStart;
        const packet = writer.alloc(1 + 4 + 4 + name.length + 1 + extra.length);
        packet[start] = MESSAGE.CHANNEL_REQUEST;
        packet.writeUInt32BE(clientChannel, start + 1);
        packet.writeUInt32BE(name.length, start + 5);
        packet.set(name, start + 9);
        packet[start + 9 + name.length] = wantReply ? 1 : 0;
        packet.set(extra, start + 10 + name.length);
        (protocolUtils as { sendPacket(protocol: unknown, packet: Buffer): void }).sendPacket(
          protocol,
          writer.finalize(packet),
        );
      },
    };
    connection.on("authentication", (context) => context.accept());
    connection.on("ready", () => {
      // A connection nobody waits for is of no test's interest.
      const waiter = waiting.findIndex((each) => index >= each.after);
      if (waiter !== -1) waiting.splice(waiter, 1)[0]?.resolve(scripted);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get ignoresReceived() {
      return ignoresReceived;
    },
    ignoreTimes,
    nextConnection() {
      const after = accepted;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no client authenticated within 10 s")), 10_000);
        waiting.push({
          after,
          resolve: (connection) => {
            clearTimeout(timer);
            resolve(connection);
          },
        });
      });
    },
    close() {
      // end() would wait for a client that may read nothing: destroy the sockets.
      for (const connection of connections) (connection as unknown as { _sock: { destroy(): void } })._sock.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
