/**
 * The real clients the integration suites log in with: OpenSSH `ssh` and Dropbear `dbclient` (from
 * @tsalive/test-support), started against a {@linkcode TestServer}, directly or through a fault-injecting proxy.
 */
import {
  type Spawned,
  skipUnlessPeers,
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
export const DBCLIENT_SKIP: string | false =
  skipUnlessPeers("dbclient") ||
  ("Deno" in globalThis && "Deno 2.9: ssh2's zlib@openssh.com compression, which dbclient negotiates, throws there");

/** The real clients, each with its skip reason (false when it can run). */
export const CLIENTS: readonly {
  readonly name: "ssh" | "dbclient";
  readonly skip: string | false;
  start(test: TestServer, command: string, options?: { port?: number; args?: readonly string[] }): Spawned;
}[] = [
  {
    name: "ssh",
    skip: skipUnlessPeers("ssh"),
    start: (test, command, options = {}) =>
      startSshClient({
        port: options.port ?? test.port,
        user: "tester",
        identity: test.key.privatePath,
        command,
        ...(options.args !== undefined && { args: options.args }),
      }),
  },
  {
    name: "dbclient",
    skip: DBCLIENT_SKIP,
    start: (test, command, options = {}) =>
      startDbclient({
        port: options.port ?? test.port,
        user: "tester",
        identity: dropbearKeyOf(test),
        command,
        ...(options.args !== undefined && { args: options.args }),
      }),
  },
];

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
