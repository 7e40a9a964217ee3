/**
 * Child processes of the bench (the server and client workers of the scale and overhead tables): started with the
 * fd limit raised to the hard limit, spoken to over IPC with numbered requests, stopped with SIGCONT first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { killTree, registerCleanup, signal } from "@tsalive/test-support";

/** A request to a worker: `type` names it, the rest are its arguments. */
export interface WorkerRequest {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** A running worker. */
export interface Worker {
  readonly pid: number;
  readonly name: string;
  /** Sends a request and resolves with the worker's answer, bounded by `timeout` ms. */
  request<T>(message: WorkerRequest, timeout?: number): Promise<T>;
  /** Messages the worker sends unasked (progress). */
  onEvent(listener: (message: Record<string, unknown>) => void): void;
  /** SIGCONT, then the whole tree ends. Idempotent. */
  stop(): Promise<void>;
}

const NODE_ARGS = ["--conditions=tsalive-source", "--import", "tsx", "--expose-gc"];
/** The open-files hard limit a worker asks for: room for 20,000 connections and more in one process. */
export const FILES = 65_536;

/**
 * Starts `src/<script>` in a Node child with IPC, through `sh -c 'ulimit -n HARD; exec node …'` so that it may hold
 * as many sockets as the hard limit allows (first raised to {@linkcode FILES} where the user may). A `nice` above 0
 * runs it at that lower CPU priority (`nice -n`, which execs node in the same process).
 */
export function startWorker(script: string, name: string, env: Record<string, string> = {}, nice = 0): Worker {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const argv = [...(nice > 0 ? ["nice", "-n", String(nice)] : []), process.execPath, ...NODE_ARGS, path];
  const quoted = argv.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
  // Raise the hard limit where that is allowed (CAP_SYS_RESOURCE), never lowering it, then the soft one to it.
  const raise = `h=$(ulimit -Hn); if [ "$h" != unlimited ] && [ "$h" -lt ${FILES} ]; then ulimit -Hn ${FILES} 2>/dev/null; fi`;
  const child: ChildProcess = spawn("/bin/sh", ["-c", `${raise}; ulimit -n "$(ulimit -Hn)"; exec ${quoted}`], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  if (child.pid === undefined) throw new Error(`cannot start worker ${name}`);
  const pid = child.pid;
  let next = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners: ((message: Record<string, unknown>) => void)[] = [];
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.on("exit", (code, sig) => {
      exited = true;
      unregister();
      for (const { reject } of pending.values()) reject(new Error(`worker ${name} exited (${code ?? sig})`));
      pending.clear();
      resolve();
    }),
  );
  child.on("message", (message: Record<string, unknown>) => {
    const id = message.id;
    if (typeof id === "number" && pending.has(id)) {
      const waiter = pending.get(id);
      pending.delete(id);
      if (typeof message.error === "string") waiter?.reject(new Error(`worker ${name}: ${message.error}`));
      else waiter?.resolve(message.result);
      return;
    }
    for (const listener of listeners) listener(message);
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      signal(pid, "SIGCONT");
      if (!exited) {
        child.send?.({ type: "exit" }, () => {});
        await Promise.race([exitedPromise, new Promise((resolve) => setTimeout(resolve, 3000))]);
      }
      if (!exited) await killTree(pid, 2000);
      await Promise.race([exitedPromise, new Promise((resolve) => setTimeout(resolve, 3000))]);
    })();
    return stopping;
  };
  const unregister = registerCleanup(`worker ${name} (pid ${pid})`, stop, () => {
    signal(pid, "SIGCONT");
    signal(pid, "SIGKILL");
  });
  return {
    pid,
    name,
    request<T>(message: WorkerRequest, timeout = 60_000): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker ${name}: no answer to ${message.type} within ${timeout} ms`));
        }, timeout);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send?.({ ...message, id });
      });
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    stop,
  };
}

/** In a worker: answers requests with `handlers`, exits on `exit` or when the parent goes away. */
export function serveRequests(handlers: Record<string, (message: WorkerRequest) => unknown>): void {
  process.on("message", async (message: WorkerRequest & { id?: number }) => {
    if (message.type === "exit") process.exit(0);
    const handler = handlers[message.type];
    try {
      if (handler === undefined) throw new Error(`unknown request ${message.type}`);
      const result = await handler(message);
      process.send?.({ id: message.id, result });
    } catch (error) {
      process.send?.({ id: message.id, error: error instanceof Error ? error.stack : String(error) });
    }
  });
  process.on("disconnect", () => process.exit(0));
}
