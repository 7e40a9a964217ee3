/**
 * tsalive-web-terminal: serves a terminal page on 127.0.0.1 and opens one SSH session per page to the
 * destination, resolved from ssh_config as `ssh -G` would.
 *
 * `tsalive-web-terminal [--listen HOST:PORT] [--grace SECONDS] [--max-sessions N] [--replay-bytes N]
 * [--origin ORIGIN]… --host-key SHA256:…|any [-F file] [-o Key=Value]… [-i identity] destination`
 */
import { parseArgs } from "node:util";
import { startWebTerminal } from "./server.ts";
import { resolveTarget } from "./target.ts";

const USAGE =
  "usage: tsalive-web-terminal [--listen HOST:PORT] [--grace SECONDS] [--max-sessions N] [--replay-bytes N]\n" +
  "       [--origin ORIGIN]... --host-key SHA256:...|any [-F file] [-o Key=Value]... [-i identity] destination\n";

function fail(message: string): never {
  process.stderr.write(`tsalive-web-terminal: ${message}\n${USAGE}`);
  process.exit(2);
}

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) fail(`--${name} must be a number, received "${value}"`);
  return parsed;
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      listen: { type: "string" },
      grace: { type: "string" },
      "max-sessions": { type: "string" },
      "replay-bytes": { type: "string" },
      origin: { type: "string", multiple: true },
      "host-key": { type: "string" },
      F: { type: "string", short: "F" },
      o: { type: "string", short: "o", multiple: true },
      i: { type: "string", short: "i", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const [destination, ...extra] = positionals;
if (destination === undefined || extra.length > 0) fail("one destination expected");
if (values["host-key"] === undefined)
  fail("--host-key is required: the server's SHA256 fingerprint (ssh-keygen -lf), or any");
const [listenHost, listenPort] = (values.listen ?? "127.0.0.1:8022").split(/:(?=\d+$)/);
const grace = number("grace", values.grace);
const maxSessions = number("max-sessions", values["max-sessions"]);
const replayBytes = number("replay-bytes", values["replay-bytes"]);

try {
  const target = resolveTarget({
    destination,
    options: values.o ?? [],
    identityFiles: values.i ?? [],
    hostKey: values["host-key"],
    ...(values.F !== undefined && { configFile: values.F }),
  });
  const terminal = await startWebTerminal({
    target,
    host: (listenHost ?? "127.0.0.1").replace(/^\[|\]$/g, ""),
    port: number("listen", listenPort) ?? 8022,
    origins: values.origin ?? [],
    ...(grace !== undefined && { grace: grace * 1000 }),
    ...(maxSessions !== undefined && { maxSessions }),
    ...(replayBytes !== undefined && { replayBytes }),
  });
  process.stdout.write(
    `tsalive-web-terminal: ${target.user}@${target.hostName} port ${target.port}, open ${terminal.url}\n`,
  );
  const stop = (): void => void terminal.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  process.stderr.write(`tsalive-web-terminal: ${(error as Error).message}\n`);
  process.exit(1);
}
