import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { resolveOptions, type WebTerminalOptions } from "./options.ts";
import { bundlePage, pageHtml } from "./page_assets.ts";
import { CLOSE_REFUSED, parseClientMessage, type ServerMessage } from "./protocol.ts";
import { TerminalSession, watchPage } from "./session.ts";
import { connectSsh } from "./ssh.ts";

/** A running web terminal, from {@linkcode startWebTerminal}. */
export interface WebTerminal {
  /** The page's address, such as `http://127.0.0.1:8022/`. */
  readonly url: string;
  readonly port: number;
  /** The sessions open now (attached or in their grace period), for tests and logs. */
  sessions(): readonly TerminalSession[];
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

/** Ended sessions remembered, so that a late page learns why its session ended rather than "token refused". */
const ENDED_KEPT = 64;

/**
 * Serves the page (`/`, `/app.js`, `/xterm.css`) and the WebSocket (`/term`), one SSH session per page. The page
 * gets the terminal, never a credential; the Origin and Host of every request are checked; sessions, the replay
 * buffer and message sizes are bounded.
 *
 * @example
 * ```ts no-run
 * // no-run: needs a target; see scripts/demo.ts.
 * import { startWebTerminal } from "./server.ts";
 * import { resolveTarget } from "./target.ts";
 * const terminal = await startWebTerminal({ target: resolveTarget({ destination: "web", hostKey: "SHA256:…" }) });
 * console.log(`open ${terminal.url}`);
 * ```
 */
export async function startWebTerminal(input: WebTerminalOptions): Promise<WebTerminal> {
  const options = resolveOptions(input);
  const script = await bundlePage();
  const css = readFileSync(createRequire(import.meta.url).resolve("@xterm/xterm/css/xterm.css"));
  const sessions = new Map<string, TerminalSession>();
  const ended = new Map<string, string>();
  let connecting = 0;
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const address = http.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const hostPort = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  const loopback = options.host === "127.0.0.1" || options.host === "::1";
  const hosts = new Set([hostPort, ...(loopback ? [`localhost:${port}`] : []), ...options.hosts]);
  const origins = new Set([...[...hosts].map((h) => `http://${h}`), ...options.origins]);
  const html = pageHtml({
    browser: options.browser,
    retry: options.retry,
  });
  const headers = {
    "content-security-policy":
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };

  http.on("request", (request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (!hosts.has(request.headers.host ?? "")) {
      response.writeHead(421, { "content-type": "text/plain" }).end("421 Misdirected Request: unexpected Host\n");
    } else if (request.method !== "GET") {
      response.writeHead(405, { "content-type": "text/plain", allow: "GET" }).end("405 Method Not Allowed\n");
    } else if (path === "/") {
      response.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" }).end(html);
    } else if (path === "/app.js") {
      response.writeHead(200, { ...headers, "content-type": "text/javascript; charset=utf-8" }).end(script);
    } else if (path === "/xterm.css") {
      response.writeHead(200, { ...headers, "content-type": "text/css; charset=utf-8" }).end(css);
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("404 Not Found\n");
    }
  });

  http.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? "/").split("?")[0];
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== "/term") return refuse("404 Not Found");
    if (!hosts.has(request.headers.host ?? "")) return refuse("421 Misdirected Request");
    // A page from another origin must not drive a terminal with this server's credentials (cross-site WebSocket hijacking).
    if (!origins.has(request.headers.origin ?? "")) return refuse("403 Forbidden");
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws));
  });

  const send = (ws: WebSocket, message: ServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const refuse = (ws: WebSocket, reason: string): void => {
    send(ws, { t: "refused", reason });
    ws.close(CLOSE_REFUSED, "refused");
  };

  const accept = (ws: WebSocket): void => {
    ws.on("error", () => {});
    // Attached before any message listener: the page's pings are answered and never reach the handler below.
    const liveness = watchPage(ws, options);
    let session: TerminalSession | undefined;
    let greeted = false;
    const hello = options.timers.setTimeout(
      () => refuse(ws, `no open or resume within ${options.helloTimeout} ms`),
      options.helloTimeout,
    );
    ws.on("close", (code: number) => {
      options.timers.clearTimeout(hello);
      // 1000 and 1001 come only from a page that closed on purpose (or whose tab was closed): a dead link sends no close frame.
      session?.closed(ws, code === 1000 || code === 1001);
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        session?.input(data);
        return;
      }
      const message = parseClientMessage(data.toString("utf8"));
      if (message === undefined) return refuse(ws, "malformed message");
      if (message.t === "open" || message.t === "resume") {
        if (greeted) return refuse(ws, "already opened");
        greeted = true;
        options.timers.clearTimeout(hello);
      }
      switch (message.t) {
        case "open": {
          if (sessions.size + connecting >= options.maxSessions) {
            return refuse(ws, `too many sessions: ${options.maxSessions} at most`);
          }
          connecting++;
          connectSsh(options.target, message.cols, message.rows).then(
            (ssh) => {
              connecting--;
              const id = randomUUID();
              const opened = new TerminalSession(id, ssh, options, (done, reason) => {
                sessions.delete(done.id);
                ended.set(done.id, reason);
                if (ended.size > ENDED_KEPT) ended.delete(ended.keys().next().value as string);
              });
              sessions.set(id, opened);
              if (ws.readyState !== ws.OPEN) return opened.end("the page left before the session opened");
              session = opened;
              opened.open(ws, liveness, `${options.target.user}@${options.target.hostName}`);
            },
            (error: Error) => {
              connecting--;
              refuse(ws, error.message);
            },
          );
          return;
        }
        case "resume": {
          const found = sessions.get(message.session);
          const why =
            found === undefined
              ? ended.has(message.session)
                ? `session ended: ${ended.get(message.session)}`
                : "token refused: no such session"
              : found.resume(ws, liveness, message.token, message.seen);
          if (why !== undefined) return refuse(ws, why);
          session = found;
          return;
        }
        case "resize":
          return session?.resize(message.cols, message.rows);
        case "ack":
          return session?.ack(message.seen);
        case "bye":
          return session?.end("session closed by the page");
      }
    });
  };

  return {
    url: `http://${hostPort}/`,
    port,
    sessions: () => [...sessions.values()],
    async close() {
      for (const session of [...sessions.values()]) session.end("server shutting down");
      for (const client of wss.clients) client.terminate();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // Without this, close() would wait for every keep-alive connection and half-received request to time out.
      http.closeAllConnections();
      await closed;
    },
  };
}
