interface Entry {
  readonly name: string;
  readonly stop: () => Promise<void>;
  readonly onExit: (() => void) | undefined;
}

const entries = new Set<Entry>();
let exitHookInstalled = false;

/**
 * Registers something a test started (a process, a proxy, a temp dir, a throwaway user) so that
 * {@linkcode stopAll} ends it. `onExit`, when given, must be synchronous: it runs from the process's `exit` event if
 * the resource is still registered then (a test that crashed before its `after()`), as the last line of defence
 * against orphans. Returns the function that unregisters, for resources that stopped by themselves.
 *
 * @example
 * ```ts
 * import { registerCleanup } from "@tsalive/test-support";
 * const unregister = registerCleanup("my server", async () => {});
 * unregister();
 * ```
 */
export function registerCleanup(name: string, stop: () => Promise<void>, onExit?: () => void): () => void {
  const entry: Entry = { name, stop, onExit };
  entries.add(entry);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", runExitHooks);
  }
  return () => {
    entries.delete(entry);
  };
}

/**
 * Stops everything registered and not yet stopped, newest first (a proxy before the server behind it, a server
 * before its temp dir). Errors are collected and thrown together after every resource had its turn. Call it from a
 * test file's `after()`.
 *
 * @example
 * ```ts
 * import { after } from "node:test";
 * import { stopAll } from "@tsalive/test-support";
 * after(stopAll);
 * ```
 */
export async function stopAll(): Promise<void> {
  const errors: unknown[] = [];
  for (const entry of [...entries].reverse()) {
    entries.delete(entry);
    try {
      await entry.stop();
    } catch (error) {
      errors.push(new Error(`stopping ${entry.name} failed`, { cause: error }));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, "stopAll: several resources failed to stop");
}

/** Names of the resources still registered (for leak checks in tests). */
export function pendingCleanups(): string[] {
  return [...entries].map((entry) => entry.name);
}

function runExitHooks(): void {
  for (const entry of [...entries].reverse()) {
    try {
      entry.onExit?.();
    } catch {
      // The process is exiting: nothing left to report to.
    }
  }
  entries.clear();
}
