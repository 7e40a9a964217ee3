/**
 * Shared pieces of the integration suites: the real servers every liveness rule is checked against (OpenSSH's
 * sshd and Dropbear of each peer generation, from @tsalive/test-support), and a connect helper that attaches
 * tsalive before connect().
 */
import {
  type Dropbear,
  PEERS as GENERATION_PEERS,
  type Generation,
  type Sshd,
  skipUnlessGeneration,
  startDropbear,
  startSshd,
} from "@tsalive/test-support";
import { Client, type ConnectConfig } from "ssh2";
import { attach, type ClientLiveness, type ClientOptions } from "../src/index.ts";

/** A running server with what a client needs to log in, and the PIDs to freeze. */
export interface Peer {
  readonly name: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  /** Every process of the server: freeze these to make it vanish with its sockets open. */
  allPids(): number[];
  stop(): Promise<void>;
}

/** A kind of server a suite runs against, with its skip reason (false when it can run). */
export interface ServerKind {
  readonly kind: "sshd" | "dropbear";
  /** `OpenSSH sshd 10.0p2`, `Dropbear 2025.89`. */
  readonly name: string;
  readonly skip: string | false;
  start(options?: StartOptions): Promise<Peer>;
}

/** How {@linkcode ServerKind.start} configures the server; each kind takes its own and ignores the other's. */
export interface StartOptions {
  /** sshd_config lines, e.g. `["ClientAliveInterval 1"]`. */
  readonly sshdConfig?: readonly string[];
  /** Dropbear arguments, e.g. `["-K", "1"]` (keepalive every second). */
  readonly dropbearArgs?: readonly string[];
}

/** The servers of one peer generation: its sshd and its Dropbear. */
export function serversOf(generation: Generation): readonly ServerKind[] {
  const { opensshVersion, dropbearVersion } = GENERATION_PEERS[generation];
  return [
    {
      kind: "sshd",
      name: `OpenSSH sshd ${opensshVersion}`,
      skip: skipUnlessGeneration(generation, "sshd"),
      async start(options = {}) {
        return fromSshd(await startSshd({ generation, config: options.sshdConfig ?? [] }));
      },
    },
    {
      kind: "dropbear",
      name: `Dropbear ${dropbearVersion}`,
      skip: skipUnlessGeneration(generation, "dropbear"),
      async start(options = {}) {
        return fromDropbear(await startDropbear({ generation, args: options.dropbearArgs ?? [] }));
      },
    },
  ];
}

/** The servers of the host's generation (OpenSSH 9.2, Dropbear 2022.83), for suites that run on one generation. */
export const PEERS: readonly ServerKind[] = serversOf("bookworm");

function fromSshd(sshd: Sshd): Peer {
  return {
    name: `OpenSSH sshd ${GENERATION_PEERS[sshd.generation].opensshVersion}`,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.clientKey.privateKey,
    allPids: () => sshd.allPids(),
    stop: () => sshd.stop(),
  };
}

function fromDropbear(dropbear: Dropbear): Peer {
  return {
    name: `Dropbear ${GENERATION_PEERS[dropbear.generation].dropbearVersion}`,
    port: dropbear.port,
    user: dropbear.user,
    privateKey: dropbear.clientKey.privateKey,
    allPids: () => dropbear.allPids(),
    stop: () => dropbear.stop(),
  };
}

/** A client with promises for its first 'ready' and its 'close'. */
export interface Connected {
  readonly client: Client;
  readonly ready: Promise<void>;
  readonly closed: Promise<number>;
  /** Errors the client emitted. */
  readonly errors: Error[];
}

/** A client attached before connect(). */
export interface Attached extends Connected {
  readonly liveness: ClientLiveness;
}

type Extra = Partial<ConnectConfig> & { readonly port?: number };

/** Connects to `port` (the peer's, or a proxy's) as the peer's user, with tsalive attached first. */
export function connect(peer: Peer, options: ClientOptions, extra: Extra = {}): Attached {
  const client = new Client();
  const liveness = attach(client, options);
  return { ...start(client, peer, extra), liveness };
}

/** The same with plain ssh2, nothing of tsalive on the client. */
export function connectPlain(peer: Peer, extra: Extra = {}): Connected {
  return start(new Client(), peer, extra);
}

function start(client: Client, peer: Peer, extra: Extra): Connected {
  const errors: Error[] = [];
  client.on("error", (error) => errors.push(error));
  const ready = new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("close", () => reject(new Error(`closed before ready: ${errors.map((e) => e.message).join("; ")}`)));
  });
  ready.catch(() => {});
  const closed = new Promise<number>((resolve) => client.once("close", () => resolve(performance.now())));
  client.connect({
    host: "127.0.0.1",
    port: peer.port,
    username: peer.user,
    privateKey: peer.privateKey,
    readyTimeout: 10_000,
    ...extra,
  });
  return { client, ready, closed, errors };
}

/** Resolves after `ms` of real time (integration tests only). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
