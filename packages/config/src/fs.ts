/**
 * The file system the resolvers read through, so their core stays runtime-agnostic: pass
 * {@linkcode memoryFileSystem} for text you hold, or `nodeFileSystem` from `@tsalive/config/node` for real files
 * (it works on Node, Deno and Bun).
 *
 * @example
 * ```ts
 * import type { ConfigFileSystem } from "@tsalive/config";
 * const empty: ConfigFileSystem = { readFile: () => undefined, readDir: () => undefined };
 * ```
 */
export interface ConfigFileSystem {
  /** The file's text, or `undefined` when it does not exist. Throw for any other failure. A directory reads as "". */
  readFile(path: string): string | undefined;
  /** The entry names of a directory (without `.` and `..`), or `undefined` when `path` is not a directory. */
  readDir(path: string): readonly string[] | undefined;
  /**
   * Owner and mode of a file, for ssh's permission check on the user config and included files (`Bad owner or
   * permissions`). Without it, permissions are not checked.
   */
  stat?(path: string): { readonly uid: number; readonly mode: number } | undefined;
}

/**
 * A file system made of the given files (absolute paths → text); directories are implied by the paths.
 *
 * @example
 * ```ts
 * import { memoryFileSystem } from "@tsalive/config";
 * const fs = memoryFileSystem({ "/home/me/.ssh/config": "Host *\n  ServerAliveInterval 15\n" });
 * fs.readDir("/home/me/.ssh"); // ["config"]
 * ```
 */
export function memoryFileSystem(files: Readonly<Record<string, string>>): ConfigFileSystem {
  const directories = new Map<string, Set<string>>();
  for (const path of Object.keys(files)) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/") || "/";
      const name = parts[i] as string;
      if (name === "") continue;
      let entries = directories.get(dir);
      if (!entries) {
        entries = new Set();
        directories.set(dir, entries);
      }
      entries.add(name);
    }
  }
  return {
    readFile: (path) => (Object.hasOwn(files, path) ? files[path] : directories.has(path) ? "" : undefined),
    readDir: (path) => {
      const entries = directories.get(path.length > 1 ? path.replace(/\/+$/, "") : path);
      return entries ? [...entries] : undefined;
    },
  };
}
