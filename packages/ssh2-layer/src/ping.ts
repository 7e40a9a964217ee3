/**
 * The transport-level ping of OpenSSH 9.5 (PROTOCOL §1.9): `SSH2_MSG_PING` (192) with a string of data, which the
 * peer answers with `SSH2_MSG_PONG` (193) carrying the same data. A peer that handles them says so with the
 * `ping@openssh.com` extension in its `SSH_MSG_EXT_INFO`. Its replies never pass through the global-request FIFO.
 * OpenSSH 10 answers no PING before authentication or during a key exchange; ssh2's send queue holds ours during a
 * key exchange, and probes start once the user is authenticated.
 *
 * ssh2 knows neither message: it drops both (Protocol.js:2053-2057, after `_onPacket`) and keeps only
 * `server-sig-algs` of an EXT_INFO (handlers.misc.js:149-190). So this module hooks ssh2's message table
 * (`ssh2/lib/protocol/handlers.js`, one array per process) at EXT_INFO and PONG while any connection uses it; each
 * hook finds its connection's state on the protocol (`bindState`) and hands every other protocol to ssh2 unchanged.
 */
import handlersModule from "ssh2/lib/protocol/handlers.js";
import type { Incompatible } from "./errors.ts";
import { hook, previous, type Undo } from "./hook.ts";
import type { Ssh2Protocol } from "./protocol.ts";
import { stateOf } from "./state.ts";

const SSH_MSG_EXT_INFO = 7;
const SSH2_MSG_PONG = 193;
const EXTENSION = "ping@openssh.com";

/** What the ping concern keeps per connection. */
export interface PingState {
  /** Whether the peer's EXT_INFO listed `ping@openssh.com`. */
  peerPings: boolean;
  /** PINGs sent and not answered yet (PONGs come in order). */
  pings: number;
  readonly monitor: { markReply(): void } | undefined;
}

type MessageHandler = (protocol: Ssh2Protocol, payload: Buffer) => unknown;
const table = handlersModule as unknown as MessageHandler[];

/** Whether an EXT_INFO payload (message number first) lists `ping@openssh.com` (RFC 8308 §2.3). */
export function listsPing(payload: Buffer): boolean {
  if (payload.length < 5) return false;
  const count = payload.readUInt32BE(1);
  let offset = 5;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > payload.length) return false;
    const nameLength = payload.readUInt32BE(offset);
    const name = payload.toString("latin1", offset + 4, offset + 4 + nameLength);
    offset += 4 + nameLength;
    if (offset + 4 > payload.length) return false;
    offset += 4 + payload.readUInt32BE(offset);
    if (name === EXTENSION) return true;
  }
  return false;
}

function onExtInfo(protocol: Ssh2Protocol, payload: Buffer): unknown {
  const state = stateOf<Partial<PingState>>(protocol);
  if (state?.pings !== undefined && listsPing(payload)) state.peerPings = true;
  return previous(table, onExtInfo)?.(protocol, payload);
}

function onPong(protocol: Ssh2Protocol, payload: Buffer): unknown {
  const state = stateOf<Partial<PingState>>(protocol);
  if (state?.pings !== undefined && state.pings > 0) {
    state.pings--;
    state.monitor?.markReply();
    return undefined;
  }
  return previous(table, onPong)?.(protocol, payload);
}

let users = 0;
let undoTable: Undo[] = [];

/**
 * Checks that ssh2's message table is where this module hooks it.
 *
 * @throws {Incompatible} naming `ssh2/lib/protocol/handlers.js` when it is not a 256-entry array with EXT_INFO.
 */
export function checkPing(Incompatible: Incompatible): void {
  if (!Array.isArray(table) || table.length !== 256 || typeof table[SSH_MSG_EXT_INFO] !== "function") {
    throw new Incompatible("the message table in ssh2/lib/protocol/handlers.js");
  }
}

/**
 * Hooks ssh2's EXT_INFO and PONG handling for one more connection; the returned undo lets go of it, and the table
 * is ssh2's own again when the last connection lets go. The connection's protocol must carry a {@linkcode PingState}.
 */
export function usePing(): Undo {
  if (users++ === 0) {
    undoTable = [
      hook(table, SSH_MSG_EXT_INFO, onExtInfo as MessageHandler),
      hook(table, SSH2_MSG_PONG, onPong as MessageHandler),
    ];
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) for (const undo of undoTable.splice(0)) undo();
  };
}
