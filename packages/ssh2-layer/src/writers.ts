import { type Ssh2Protocol, sendPacket } from "./protocol.ts";

const SSH_MSG_IGNORE = 2;
const SSH_MSG_GLOBAL_REQUEST = 80;
const SSH_MSG_CHANNEL_REQUEST = 98;
const KEEPALIVE = Buffer.from("keepalive@openssh.com", "latin1");

/**
 * Sends `SSH_MSG_IGNORE` with empty data through ssh2's queued send path: during a key exchange it waits in the
 * protocol's queue (an IGNORE sent mid-KEX under strict KEX is fatal) and goes out after NEWKEYS.
 */
export function sendIgnore(protocol: Ssh2Protocol): void {
  const writer = protocol._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(5);
  packet[start] = SSH_MSG_IGNORE;
  packet.writeUInt32BE(0, start + 1); // string data: empty
  sendPacket(protocol, writer.finalize(packet));
}

/** `GLOBAL_REQUEST "keepalive@openssh.com"`, want-reply: what Protocol#ping sends, without ssh2's keepalive hook. */
export function sendGlobalKeepalive(protocol: Ssh2Protocol): void {
  const writer = protocol._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(1 + 4 + KEEPALIVE.length + 1);
  packet[start] = SSH_MSG_GLOBAL_REQUEST;
  packet.writeUInt32BE(KEEPALIVE.length, start + 1);
  packet.set(KEEPALIVE, start + 5);
  packet[start + 5 + KEEPALIVE.length] = 1; // want reply
  sendPacket(protocol, writer.finalize(packet));
}

/**
 * `CHANNEL_REQUEST recipient "keepalive@openssh.com"`, want-reply: how sshd probes while a channel is open
 * (serverloop.c client_alive_check). `recipient` is the peer's channel id.
 */
export function sendChannelKeepalive(protocol: Ssh2Protocol, recipient: number): void {
  const writer = protocol._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(1 + 4 + 4 + KEEPALIVE.length + 1);
  packet[start] = SSH_MSG_CHANNEL_REQUEST;
  packet.writeUInt32BE(recipient, start + 1);
  packet.writeUInt32BE(KEEPALIVE.length, start + 5);
  packet.set(KEEPALIVE, start + 9);
  packet[start + 9 + KEEPALIVE.length] = 1; // want reply
  sendPacket(protocol, writer.finalize(packet));
}

const SSH2_MSG_PING = 192;
const PING_DATA = Buffer.from("tsalive", "latin1");

/**
 * `SSH2_MSG_PING` with a short string of data (OpenSSH PROTOCOL §1.9), queued during a key exchange like every other
 * packet: the peer answers with `SSH2_MSG_PONG` carrying the same data, outside the global-request queue.
 */
export function sendPing(protocol: Ssh2Protocol): void {
  const writer = protocol._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(1 + 4 + PING_DATA.length);
  packet[start] = SSH2_MSG_PING;
  packet.writeUInt32BE(PING_DATA.length, start + 1);
  packet.set(PING_DATA, start + 5);
  sendPacket(protocol, writer.finalize(packet));
}
