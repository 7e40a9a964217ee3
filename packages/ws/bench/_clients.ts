/**
 * The far ends of the bench: `node _clients.ts URL COUNT` opens COUNT plain `ws` clients (no tsalive; `ws`
 * answers pings by itself), prints `ready` once all are open, and stays idle. The bench freezes this process
 * with SIGSTOP to make every peer vanish at once.
 */
import { WebSocket } from "ws";

const [url = "", countText = "0"] = process.argv.slice(2);
const count = Number(countText);
const BATCH = 250;
const sockets: WebSocket[] = [];
setTimeout(() => process.exit(0), 180_000).unref(); // never outlive the bench

for (let opened = 0; opened < count; opened += BATCH) {
  const batch = Array.from({ length: Math.min(BATCH, count - opened) }, () => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on("error", () => {});
    sockets.push(socket);
    return new Promise<void>((resolve) => {
      socket.once("open", () => resolve());
      socket.once("close", () => resolve());
    });
  });
  await Promise.all(batch);
}
const open = sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length;
process.stdout.write(`ready ${open}\n`);
setInterval(() => {}, 60_000);
