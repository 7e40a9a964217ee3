/**
 * A runnable tour of @tsalive/core without SSH: a fake transport whose peer answers probes until it "freezes".
 *
 *   pnpm --filter @tsalive/core example
 *
 * It runs on the real clock and takes about 4 seconds.
 */
import { LivenessMonitor } from "@tsalive/core";

const started = performance.now();
const at = () => `${((performance.now() - started) / 1000).toFixed(2)} s`;
let peerFrozen = false;

// The "transport": sending a probe makes the peer answer 20 ms later, unless it is frozen.
const monitor: LivenessMonitor = new LivenessMonitor(
  {
    sendProbe() {
      console.log(`${at()}  -> keepalive@openssh.com (want reply)`);
      if (!peerFrozen) setTimeout(() => monitor.markReply(), 20);
    },
  },
  // ssh -o ServerAliveInterval=0.5 -o ServerAliveCountMax=2, in milliseconds
  { probe: { interval: 500, countMax: 2 } },
);

monitor.on("reply", ({ rtt }) => console.log(`${at()}  <- reply, rtt ${rtt?.toFixed(1)} ms`));
monitor.on("expire", (error) => {
  console.log(`${at()}  peer declared dead: ${error.message} (${error.code})`);
  console.log(`         bound: last packet + (2 + 1) × 0.5 s = 1.5 s of silence; measured ${error.silentFor} ms`);
});
monitor.start();

setTimeout(() => {
  peerFrozen = true;
  console.log(`${at()}  peer frozen: nothing more arrives`);
}, 1200);

// Keep the process alive until the monitor has expired (its own timer is unref'd and never holds a process open).
const keepAlive = setInterval(() => {
  if (monitor.state === "expired") clearInterval(keepAlive);
}, 50);
