/**
 * The real clients the integration suites log in with: OpenSSH `ssh` and Dropbear `dbclient` of each peer
 * generation (from @tsalive/test-support), started against a {@linkcode TestServer}, directly or through a
 * fault-injecting proxy.
 */
import {
  type Generation,
  PEERS,
  type Spawned,
  skipUnlessGeneration,
  startDbclient,
  startSshClient,
  toDropbearKey,
  waitUntil,
} from "@tsalive/test-support";
import type { Connection } from "ssh2";
import type { ConnectionLiveness } from "../src/index.ts";
import type { TestServer } from "./_server.ts";

/** A client process logged in to the test server, and the server's side of its connection. */
export interface LoggedIn {
  readonly client: Spawned;
  readonly connection: Connection;
  readonly liveness: ConnectionLiveness;
}

/**
 * Why dbclient cannot log in to an ssh2 server on Deno: dbclient asks for zlib@openssh.com compression first, and
 * ssh2 builds its compressor on Node's internal zlib handle, whose `init()` Deno's differs from (it throws
 * "expected type `v8::data::Function`, got `v8::data::Value`" at ssh2's lib/protocol/zlib.js:61). See the README.
 */
const DENO_DBCLIENT_SKIP: string | false =
  "Deno" in globalThis && "Deno 2.9: ssh2's zlib@openssh.com compression, which dbclient negotiates, throws there";

/** How {@linkcode ClientKind.start} starts a client: through a proxy's port, with more arguments, stdin open. */
export interface StartOptions {
  readonly port?: number;
  readonly args?: readonly string[];
  /** Keep stdin open, so that the client sends no EOF on its session. */
  readonly openStdin?: boolean;
}

/** A real client of one generation, with its skip reason (false when it can run). */
export interface ClientKind {
  readonly kind: "ssh" | "dbclient";
  /** `ssh 9.2p1`, `dbclient 2025.89`. */
  readonly name: string;
  readonly generation: Generation;
  readonly skip: string | false;
  start(test: TestServer, command: string, options?: StartOptions): Spawned;
}

/** The real clients of one peer generation: its ssh and its dbclient. */
export function clientsOf(generation: Generation): readonly [ClientKind, ClientKind] {
  const { opensshVersion, dropbearVersion } = PEERS[generation];
  return [
    {
      kind: "ssh",
      name: `ssh ${opensshVersion}`,
      generation,
      skip: skipUnlessGeneration(generation, "ssh"),
      start: (test, command, options = {}) =>
        startSshClient({
          generation,
          port: options.port ?? test.port,
          user: "tester",
          identity: test.key.privatePath,
          command,
          ...(options.args !== undefined && { args: options.args }),
          ...(options.openStdin === true && { openStdin: true }),
        }),
    },
    {
      kind: "dbclient",
      name: `dbclient ${dropbearVersion}`,
      generation,
      skip: skipUnlessGeneration(generation, "dbclient") || DENO_DBCLIENT_SKIP,
      start: (test, command, options = {}) =>
        startDbclient({
          generation,
          port: options.port ?? test.port,
          user: "tester",
          identity: dropbearKeyOf(test),
          command,
          ...(options.args !== undefined && { args: options.args }),
          ...(options.openStdin === true && { openStdin: true }),
        }),
    },
  ];
}

/** The clients of the host's generation (ssh 9.2, dbclient 2022.83), for suites that run on one generation. */
export const CLIENTS: readonly [ClientKind, ClientKind] = clientsOf("bookworm");

const converted = new WeakMap<TestServer, string>();

function dropbearKeyOf(test: TestServer): string {
  let path = converted.get(test);
  if (path === undefined) {
    path = toDropbearKey(test.key);
    converted.set(test, path);
  }
  return path;
}

/**
 * Starts `start()` and waits until its command printed `ready` (so it is authenticated and its session runs), then
 * returns the server's side of the connection.
 */
export async function logIn(test: TestServer, start: () => Spawned, timeout = 10_000): Promise<LoggedIn> {
  const seen = test.connections.length;
  const client = start();
  await client.waitForOutput(/ready/, timeout);
  await waitUntil(() => test.connections.length > seen, { timeout, what: "the server to see the connection" });
  const connection = test.connections[seen] as Connection;
  const liveness = test.liveness.of(connection);
  if (liveness === undefined) throw new Error("the connection is not attached");
  return { client, connection, liveness };
}

/** Resolves after `ms` of real time (integration tests only). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
