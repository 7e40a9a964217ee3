/**
 * The example apps, tsalive-ssh and tsalive-sshd (examples/), as the bench runs them: processes, like `ssh` and
 * `sshd`, timed from the bench (the client's exit, the server's log line as it arrives).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type KeyPair, killTree, registerCleanup, signal } from "@tsalive/test-support";
import { epochNow } from "./log.ts";

/** `[node, tsalive-ssh.js]` when the example exists in this checkout, else `undefined`. */
export function tsaliveSshCommand(root: string): string[] | undefined {
  const bin = join(root, "examples", "cli", "bin", "tsalive-ssh.js");
  return existsSync(bin) ? [process.execPath, bin] : undefined;
}

/** A running tsalive-sshd. */
export interface TsaliveSshd {
  readonly port: number;
  /** When `Timeout, client not responding … port P` was logged, by the client's port P. */
  readonly timeouts: Map<number, number>;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `tsalive-sshd -D -f CONFIG -p 0` with ClientAliveInterval/CountMax (whole seconds, as sshd reads them),
 * reading its log as it arrives.
 */
export async function startTsaliveSshd(
  root: string,
  dir: string,
  keys: { readonly host: KeyPair; readonly client: KeyPair },
  setting: { readonly interval: number; readonly countMax: number },
): Promise<TsaliveSshd | undefined> {
  const bin = join(root, "examples", "server", "bin", "tsalive-sshd.js");
  if (!existsSync(bin)) return undefined;
  writeFileSync(join(dir, "authorized_keys"), `${keys.client.publicKey}\n`, { mode: 0o600 });
  const config = join(dir, `tsalive_sshd_config_${setting.interval}_${setting.countMax}`);
  writeFileSync(
    config,
    [
      "ListenAddress 127.0.0.1",
      `HostKey ${keys.host.privatePath}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      // The keys are under /tmp (mode 1777): tsalive-sshd's StrictModes refuses them there, as sshd's does.
      "StrictModes no",
      `ClientAliveInterval ${setting.interval / 1000}`,
      `ClientAliveCountMax ${setting.countMax}`,
      "",
    ].join("\n"),
  );
  const child = spawn(process.execPath, [bin, "-D", "-f", config, "-p", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error("cannot start tsalive-sshd");
  const pid = child.pid;
  const timeouts = new Map<number, number>();
  let text = "";
  let port: number | undefined;
  let exited = false;
  const onLog = (chunk: Buffer): void => {
    const at = epochNow();
    text += chunk.toString();
    for (const match of text.matchAll(/Timeout, client not responding from user \S+ \S+ port (\d+)/g)) {
      const clientPort = Number(match[1]);
      if (!timeouts.has(clientPort)) timeouts.set(clientPort, at);
    }
    port ??= Number(/Server listening on 127\.0\.0\.1 port (\d+)\./.exec(text)?.[1]) || undefined;
    if (text.length > 200_000) text = text.slice(-10_000);
  };
  child.stderr?.on("data", onLog);
  child.stdout?.on("data", onLog);
  const exitedPromise = new Promise<void>((resolve) =>
    child.on("exit", () => {
      exited = true;
      unregister();
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    signal(pid, "SIGCONT");
    if (!exited) await killTree(pid, 2000);
    await Promise.race([exitedPromise, new Promise((resolve) => setTimeout(resolve, 3000))]);
  };
  const unregister = registerCleanup(`tsalive-sshd (pid ${pid})`, stop, () => signal(pid, "SIGKILL"));
  const deadline = performance.now() + 20_000;
  while (port === undefined) {
    if (exited || performance.now() > deadline) {
      await stop();
      throw new Error(`tsalive-sshd did not start: ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { port, timeouts, child, stop };
}

/** The local port of `pid`'s established TCP connection to 127.0.0.1:`port` (read with `ss`). */
export function localPortOf(pid: number, port: number): number | undefined {
  const result = spawnSync("ss", ["-Htnp", "state", "established", `( dport = :${port} )`], { encoding: "utf8" });
  for (const line of (result.stdout ?? "").split("\n")) {
    if (!line.includes(`pid=${pid},`)) continue;
    const local = /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:\d+/.exec(line);
    if (local !== null) return Number(local[1]);
  }
  return undefined;
}
