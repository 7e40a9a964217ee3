/** Starts tsalive-sshd (the bin, as users run it) on 127.0.0.1 with a throwaway host key and client key. */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  generateKey,
  type KeyPair,
  makeTempDir,
  registerCleanup,
  type TempDir,
  waitUntil,
} from "@tsalive/test-support";

/** The program from its TypeScript source (as every package's tests run), so a stale dist/ is never what is tested. */
export const RUN: string[] = [
  "--conditions=tsalive-source",
  "--import",
  "tsx",
  fileURLToPath(new URL("../src/main.ts", import.meta.url)),
];

export interface TsaliveSshd {
  readonly port: number;
  readonly dir: TempDir;
  readonly clientKey: KeyPair;
  readonly process: ChildProcess;
  log(): string;
  waitForLog(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/**
 * `lines` go into sshd_config (Match blocks last), `extensions` into the tsalive_config named with
 * `--tsalive-config` (Heartbeat, WatchdogTimeout, and Match blocks for them).
 */
export async function startTsaliveSshd(
  lines: readonly string[] = [],
  extensions: readonly string[] = [],
  extraArgs: readonly string[] = [],
): Promise<TsaliveSshd> {
  const dir = makeTempDir("tsalive-sshd-test-");
  const host = generateKey(dir.join("host_key"));
  const clientKey = generateKey(dir.join("client_key"));
  writeFileSync(dir.join("authorized_keys"), `${clientKey.publicKey}\n`);
  const globals = lines.filter((_, i) => !lines.slice(0, i + 1).some((m) => /^Match /i.test(m)));
  const matches = lines.slice(globals.length);
  writeFileSync(
    dir.join("sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `HostKey ${host.privatePath}`,
      `AuthorizedKeysFile ${dir.join("authorized_keys")}`,
      // The keys sit in a temp dir under /tmp (mode 1777), which StrictModes refuses, as sshd does.
      "StrictModes no",
      ...globals,
      ...matches,
      "",
    ].join("\n"),
  );
  writeFileSync(dir.join("tsalive_config"), `${extensions.join("\n")}\n`);
  const args = [
    "-D",
    "-d",
    "-f",
    dir.join("sshd_config"),
    "--tsalive-config",
    dir.join("tsalive_config"),
    "-p",
    "0",
    ...extraArgs,
  ];
  const child = spawn(process.execPath, [...RUN, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    log += chunk;
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 4000);
      await exited;
      clearTimeout(timer);
    }
    dir.remove();
  };
  registerCleanup("tsalive-sshd", stop, () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const waitForLog = async (pattern: RegExp, timeout = 10_000) => {
    await waitUntil(() => pattern.test(log), { timeout, what: `tsalive-sshd log ${pattern}` });
    return pattern.exec(log) as RegExpMatchArray;
  };
  const listening = await waitForLog(/Server listening on 127\.0\.0\.1 port ([0-9]+)\./);
  return { port: Number(listening[1]), dir, clientKey, process: child, log: () => log, waitForLog, stop };
}
