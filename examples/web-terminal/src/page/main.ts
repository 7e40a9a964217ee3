/**
 * The page: xterm.js on a WebSocket to the server, `@tsalive/ws/browser` watching that leg, and a status line.
 * When the leg dies the page reattaches with its single-use token, the server replays what it missed. Bundled by
 * esbuild when the server starts; nothing comes from a CDN.
 */
import { attach, type BrowserLiveness } from "@tsalive/ws/browser";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import type { ClientMessage, ServerMessage } from "../protocol.ts";
import { type PageState, statusText } from "./status.ts";

interface PageConfig {
  readonly browser: { readonly interval: number; readonly countMax: number };
  readonly retry: number;
}

const config: PageConfig = JSON.parse(
  document.querySelector<HTMLMetaElement>('meta[name="tsalive-terminal"]')?.content ?? "{}",
);
const bound = (config.browser.countMax + 1) * config.browser.interval;
const statusLine = document.getElementById("status") as HTMLElement;
const endButton = document.getElementById("end") as HTMLButtonElement;
const term = new Terminal({ scrollback: 5000, fontSize: 14, cursorBlink: true });
const fit = new FitAddon();
term.loadAddon(fit);
term.open(document.getElementById("terminal") as HTMLElement);
fit.fit();
term.focus();

let state: PageState = { phase: "connecting" };
/** Wall-clock ms (`performance.timeOrigin` based) of the last change of phase, for tests. */
const changes: { phase: string; at: number }[] = [];
let session: { id: string; token: string; grace: number } | undefined;
let socket: WebSocket | undefined;
let liveness: BrowserLiveness | undefined;
/** Output bytes received (what a reattach asks the server to go on from), and written to the terminal. */
let received = 0;
let written = 0;
let acked = 0;
let pendingWrites = 0;
let retryTimer: number | undefined;
const encoder = new TextEncoder();
const ACK_EVERY = 16 * 1024;

const render = (): void => {
  statusLine.textContent = statusText(state, performance.now());
  statusLine.dataset.phase = state.phase;
};
const update = (next: Partial<PageState>): void => {
  if (next.phase !== undefined && next.phase !== state.phase) {
    changes.push({ phase: next.phase, at: performance.timeOrigin + performance.now() });
  }
  state = { ...state, ...next };
  render();
};
setInterval(() => {
  if (state.phase === "reconnecting") render();
}, 250);

const send = (message: ClientMessage): void => {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
};

/** Lets go of the current socket: nothing it does later reaches the page. */
const drop = (code = 1000): void => {
  const old = socket;
  socket = undefined;
  liveness?.detach();
  liveness = undefined;
  if (old !== undefined && old.readyState <= WebSocket.OPEN) old.close(code);
};

const end = (reason: string, sshDown = false): void => {
  clearTimeout(retryTimer);
  drop();
  update({ phase: "ended", endReason: reason, sshDown, nextAttemptAt: undefined });
  endButton.disabled = true;
};

/** The browser leg is down: try again every `retry` ms until the server's grace period is over. */
const lost = (reason: string): void => {
  drop(4000);
  if (session === undefined) {
    end(reason);
    return;
  }
  const graceUntil = state.phase === "reconnecting" ? state.graceUntil : performance.now() + session.grace;
  if (graceUntil !== undefined && performance.now() + config.retry >= graceUntil) {
    end(`the browser leg was down longer than the grace period (${session.grace / 1000} s)`);
    return;
  }
  update({ phase: "reconnecting", downReason: reason, graceUntil, nextAttemptAt: performance.now() + config.retry });
  retryTimer = window.setTimeout(() => {
    update({ nextAttemptAt: undefined });
    connect();
  }, config.retry);
};

const onOutput = (bytes: Uint8Array): void => {
  received += bytes.length;
  pendingWrites++;
  term.write(bytes, () => {
    written += bytes.length;
    pendingWrites--;
    // Flow control: the server sends a bounded window ahead of what the terminal has drawn.
    if (written - acked >= ACK_EVERY || pendingWrites === 0) {
      acked = written;
      send({ t: "ack", seen: written });
    }
  });
};

const onMessage = (message: ServerMessage): void => {
  switch (message.t) {
    case "ready":
      session = { id: message.session, token: message.token, grace: message.grace };
      update({ phase: "up", target: message.target });
      return;
    case "resumed":
      if (session !== undefined) session.token = message.token;
      if (message.dropped > 0) {
        term.write(`\r\n\x1b[7m[${message.dropped} bytes of output were dropped while the page was away]\x1b[0m\r\n`);
      }
      update({ phase: "up", dropped: message.dropped, downReason: undefined, graceUntil: undefined });
      return;
    case "rtt":
      update(message.leg === "ssh" ? { sshRtt: message.rtt } : { browserRtt: message.rtt });
      return;
    case "refused":
      end(`refused: ${message.reason}`);
      return;
    case "ended":
      end(message.reason, message.sshDown);
      return;
  }
};

function connect(): void {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/term`);
  ws.binaryType = "arraybuffer";
  socket = ws;
  const { interval, countMax } = config.browser;
  // Attached before the page's own listener: the server's pings are answered and never reach it.
  const watch = attach(ws, { probe: { interval, countMax } });
  liveness = watch;
  watch.on("reply", ({ rtt }) => update({ browserRtt: rtt }));
  watch.on("timeout", (error) => {
    if (socket === ws) lost(error.message);
  });
  // An attempt that does not open within the leg's bound is as dead as a leg that stops answering.
  const opening = window.setTimeout(() => {
    if (socket === ws) lost(`no answer from the server within ${bound} ms`);
  }, bound);
  ws.addEventListener("open", () => {
    clearTimeout(opening);
    const { cols, rows } = term;
    send(
      session === undefined
        ? { t: "open", cols, rows }
        : { t: "resume", session: session.id, token: session.token, seen: received },
    );
  });
  ws.addEventListener("message", (event: MessageEvent) => {
    if (socket !== ws) return;
    if (event.data instanceof ArrayBuffer) onOutput(new Uint8Array(event.data));
    else onMessage(JSON.parse(String(event.data)) as ServerMessage);
  });
  ws.addEventListener("close", (event: CloseEvent) => {
    clearTimeout(opening);
    if (socket !== ws) return;
    lost(event.code === 1009 ? "a message was larger than the server accepts" : `WebSocket closed (${event.code})`);
  });
}

term.onData((data) => {
  if (state.phase === "up" && socket?.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
});
term.onResize(({ cols, rows }) => send({ t: "resize", cols, rows }));
window.addEventListener("resize", () => fit.fit());
endButton.addEventListener("click", () => {
  send({ t: "bye" });
  end("session closed by the page");
});
// Closing the tab ends the session at once (the server also takes the close frame of a closing tab as that).
window.addEventListener("pagehide", () => send({ t: "bye" }));

/** For tests: the state and the status line, read through the DevTools protocol. */
(window as unknown as { tsaliveTerminal: unknown }).tsaliveTerminal = {
  state: () => state,
  session: () => (session === undefined ? undefined : { ...session }),
  output: () => ({ received, written }),
  changes: () => [...changes],
  text: () => {
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? "");
    return lines.join("\n");
  },
};

render();
connect();
