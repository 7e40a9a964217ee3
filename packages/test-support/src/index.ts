/**
 * Test support for tsalive's integration suites (private, Node only): real OpenSSH and Dropbear servers on
 * loopback with throwaway keys, process control for freezing a peer, and a fault-injecting TCP proxy. Everything
 * started is registered: call `after(stopAll)` in each test file.
 *
 * @module
 */

export { firstBytes } from "./banner.ts";
export { type CorruptingRelay, startCorruptingRelay } from "./corrupting_relay.ts";
export { type DbclientOptions, startDbclient } from "./dbclient.ts";
export {
  createThrowawayUser,
  type Dropbear,
  type DropbearOptions,
  startDropbear,
  type ThrowawayUser,
} from "./dropbear.ts";
export {
  GENERATIONS,
  type Generation,
  PEERS,
  type PeerGeneration,
  peerCommand,
  rootOf,
  rootsDir,
} from "./generations.ts";
export {
  generateDropbearHostKey,
  generateHostKey,
  generateKey,
  type KeyPair,
  toDropbearKey,
  writeAuthorizedKeys,
} from "./keys.ts";
export { findBinary, type Peer, skipUnlessGeneration, skipUnlessPeers, spawnPeer } from "./peers.ts";
export {
  childrenOf,
  descendantsOf,
  type ExitInfo,
  freePort,
  freeze,
  isRunning,
  killTree,
  listProcesses,
  type ProcessEntry,
  readProcess,
  Spawned,
  type SpawnProcessOptions,
  signal,
  spawnProcess,
  thaw,
  type WaitOptions,
  waitForPort,
  waitUntil,
  withTimeout,
} from "./process.ts";
export {
  type Fault,
  type FaultProxy,
  type ProxyBytes,
  type ProxyDirection,
  type ProxyOptions,
  startProxy,
} from "./proxy.ts";
export { pendingCleanups, registerCleanup, stopAll } from "./registry.ts";
export { type PeerRun, type RunPeerOptions, runPeer } from "./run_peer.ts";
export { type SshClientOptions, startSshClient } from "./ssh_client.ts";
export { type Sshd, type SshdOptions, startSshd } from "./sshd.ts";
export { makeTempDir, type TempDir } from "./tmp.ts";
