import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { registerCleanup } from "./registry.ts";

/** A directory of throwaway files (keys, configs, logs) that {@linkcode TempDir.remove} deletes with its content. */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** `path` joined with the given segments. */
  join(...segments: string[]): string;
  /** Deletes the directory and everything in it. Idempotent. */
  remove(): void;
}

/**
 * Creates a fresh directory under `/tmp`, never `$TMPDIR`: the peers of a root generation see the host's `/tmp`
 * at the same path (see `peerCommand`), and nothing else of the host. It is removed by {@linkcode TempDir.remove}, by
 * `stopAll()`, or at the latest when the process exits.
 *
 * @example
 * ```ts
 * import { makeTempDir } from "@tsalive/test-support";
 * const dir = makeTempDir();
 * const config = dir.join("sshd_config");
 * dir.remove();
 * ```
 */
export function makeTempDir(prefix = "tsalive-"): TempDir {
  const path = mkdtempSync(join("/tmp", prefix));
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    unregister();
    rmSync(path, { recursive: true, force: true });
  };
  const unregister = registerCleanup(`temp dir ${path}`, async () => remove(), remove);
  return { path, join: (...segments) => join(path, ...segments), remove };
}
