import type { TimerHandle } from "@tsalive/core";
import { attach as attachWs, type WsLiveness } from "@tsalive/ws";
import type { WebSocket } from "ws";
import type { ResolvedOptions } from "./options.ts";
import { CLOSE_ENDED, CLOSE_REPLACED, type ServerMessage } from "./protocol.ts";
import { ReplayBuffer } from "./replay.ts";
import type { SshLeg } from "./ssh.ts";
import { newToken, sameToken } from "./token.ts";

/** Where a session is: a page attached, no page (the grace period runs), or over. */
export type SessionState = "attached" | "detached" | "ended";

/** How a page's socket is watched: the server probes the page with app-level messages, which a frozen tab cannot answer. */
export function watchPage(socket: WebSocket, options: ResolvedOptions): WsLiveness {
  const { interval, countMax } = options.browser;
  return attachWs(socket, { probe: { interval, countMax }, probeWith: "message" });
}

/**
 * One SSH session and the page showing it, if any. The SSH leg lives as long as the session; pages come and go.
 * Output always goes into the replay buffer; towards an attached page it is flow-controlled by the page's acks, so
 * a slow page pauses the remote side instead of filling memory. Without a page, the output keeps flowing into the
 * replay buffer (overflowing it if it must) until the page comes back or the grace period ends the session.
 */
export class TerminalSession {
  readonly id: string;
  readonly #ssh: SshLeg;
  readonly #options: ResolvedOptions;
  readonly #replay: ReplayBuffer;
  readonly #window: number;
  readonly #onEnd: (session: TerminalSession, reason: string) => void;
  #token = newToken();
  #state: SessionState = "detached";
  #socket: WebSocket | undefined;
  /** Output offset sent to the current page, and acknowledged by it. */
  #sent = 0;
  #acked = 0;
  #paused = false;
  #grace: TimerHandle | undefined;
  #sshRtt: number | undefined;
  #reason: string | undefined;

  constructor(
    id: string,
    ssh: SshLeg,
    options: ResolvedOptions,
    onEnd: (session: TerminalSession, reason: string) => void,
  ) {
    this.id = id;
    this.#ssh = ssh;
    this.#options = options;
    this.#onEnd = onEnd;
    this.#replay = new ReplayBuffer(options.replayBytes);
    // Unacknowledged output in flight to a page: never more than the replay buffer can give back.
    this.#window = Math.min(256 * 1024, Math.floor(options.replayBytes / 4));
    const output = (chunk: Buffer): void => this.#output(chunk);
    ssh.stream.on("data", output);
    ssh.stream.stderr.on("data", output);
    ssh.stream.on("close", () => ssh.client.end());
    ssh.liveness.on("reply", ({ rtt }) => {
      if (rtt === undefined) return;
      this.#sshRtt = rtt;
      this.#send({ t: "rtt", leg: "ssh", rtt });
    });
    void ssh.closed.then(({ reason, dead }) => this.end(reason, dead));
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Why the session ended, once it did. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** Output bytes so far, and the oldest one the replay buffer still holds. */
  get output(): { readonly end: number; readonly start: number } {
    return { end: this.#replay.end, start: this.#replay.start };
  }

  /** Attaches the page that opened the session; `liveness` watches its socket. */
  open(socket: WebSocket, liveness: WsLiveness, target: string): void {
    this.#attach(socket, liveness, 0);
    this.#send({ t: "ready", session: this.id, token: this.#token, target, grace: this.#options.grace });
  }

  /**
   * Reattaches a page with the session's current token, which is used up; a page still attached is replaced.
   * Returns why it was refused, or `undefined` when accepted.
   */
  resume(socket: WebSocket, liveness: WsLiveness, token: string, seen: number): string | undefined {
    if (this.#state === "ended") return `session ended: ${this.#reason}`;
    if (!sameToken(this.#token, token)) return "token refused: wrong or already used";
    if (seen > this.#replay.end)
      return `token refused: the page claims ${seen} bytes of output, there were ${this.#replay.end}`;
    this.#token = newToken();
    const previous = this.#socket;
    if (previous !== undefined) {
      this.#socket = undefined;
      previous.close(CLOSE_REPLACED, "replaced by a reattached page");
    }
    const { dropped, bytes } = this.#replay.since(seen);
    this.#attach(socket, liveness, seen);
    this.#send({ t: "resumed", token: this.#token, dropped });
    this.#write(bytes);
    return undefined;
  }

  input(data: Buffer): void {
    if (this.#state !== "ended") this.#ssh.stream.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.#state !== "ended") this.#ssh.stream.setWindow(rows, cols, 0, 0);
  }

  ack(seen: number): void {
    this.#acked = Math.min(Math.max(this.#acked, seen), this.#sent);
    this.#flow();
  }

  /** The page's socket closed: a clean close (the page or tab closed on purpose) ends the session, else the grace period starts. */
  closed(socket: WebSocket, clean: boolean): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    if (clean) {
      this.end("session closed by the page");
      return;
    }
    this.#state = "detached";
    this.#paused = false;
    this.#ssh.stream.resume();
    this.#grace = this.#options.timers.setTimeout(
      () => this.end(`no page for ${this.#options.grace / 1000} s (the grace period): session closed`),
      this.#options.grace,
    );
  }

  /**
   * Ends the session: the SSH connection is closed, and the page, if any, told why and whether the SSH leg died.
   * Idempotent.
   */
  end(reason: string, sshDown = false): void {
    if (this.#state === "ended") return;
    this.#state = "ended";
    this.#reason = reason;
    this.#clearGrace();
    this.#ssh.client.end();
    // A connection that does not finish closing within 2 s (a dead server never answers the disconnect) is destroyed.
    this.#options.timers.setTimeout(() => this.#ssh.client.destroy(), 2000);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) {
      this.#sendTo(socket, { t: "ended", reason, sshDown });
      socket.close(CLOSE_ENDED, "session ended");
    }
    this.#onEnd(this, reason);
  }

  #attach(socket: WebSocket, liveness: WsLiveness, seen: number): void {
    this.#clearGrace();
    this.#state = "attached";
    this.#socket = socket;
    this.#sent = seen;
    this.#acked = seen;
    // The server's probes of the page measure the same leg as the page's own: the page shows whichever it has.
    liveness.on("reply", ({ rtt }) => {
      if (rtt !== undefined && this.#socket === socket) this.#send({ t: "rtt", leg: "browser", rtt });
    });
    if (this.#sshRtt !== undefined) this.#send({ t: "rtt", leg: "ssh", rtt: this.#sshRtt });
  }

  #clearGrace(): void {
    if (this.#grace !== undefined) this.#options.timers.clearTimeout(this.#grace);
    this.#grace = undefined;
  }

  #output(chunk: Buffer): void {
    this.#replay.push(chunk);
    if (this.#socket !== undefined) this.#write(chunk);
  }

  #write(bytes: Uint8Array): void {
    const socket = this.#socket;
    if (socket === undefined || bytes.length === 0) return;
    socket.send(bytes, { binary: true });
    this.#sent += bytes.length;
    this.#flow();
  }

  /** Pauses the remote side while a page has a window's worth of output unacknowledged. */
  #flow(): void {
    const inFlight = this.#sent - this.#acked;
    if (!this.#paused && inFlight > this.#window) {
      this.#paused = true;
      this.#ssh.stream.pause();
    } else if (this.#paused && inFlight <= this.#window / 2) {
      this.#paused = false;
      this.#ssh.stream.resume();
    }
  }

  #send(message: ServerMessage): void {
    if (this.#socket !== undefined) this.#sendTo(this.#socket, message);
  }

  #sendTo(socket: WebSocket, message: ServerMessage): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  }
}
