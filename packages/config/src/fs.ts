import { MAX_CONFIG_FILE_BYTES } from "./errors.ts";

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
   * Owner, mode (with the file type bits, as `stat(2)` gives them) and size of a file, or `undefined` when it does
   * not exist. The resolvers call it before reading: for ssh's permission check on the user config and included
   * files (`Bad owner or permissions`), to refuse a FIFO, a device or a socket, and to refuse a file over
   * `MAX_CONFIG_FILE_BYTES`. Without it, none of these is checked.
   */
  stat?(path: string): ConfigFileStat | undefined;
}

/**
 * What {@linkcode ConfigFileSystem.stat} returns.
 *
 * @example
 * ```ts
 * import type { ConfigFileStat } from "@tsalive/config";
 * const regular: ConfigFileStat = { uid: 1000, mode: 0o100600, size: 120 };
 * ```
 */
export interface ConfigFileStat {
  readonly uid: number;
  /** `st_mode`: the permission bits, and the file type bits when known (0o100000 a regular file, …). */
  readonly mode: number;
  /** `st_size` in bytes, when known. */
  readonly size?: number | undefined;
}

/**
 * What kind of file a {@linkcode ConfigFileStat} describes, from its type bits (`"file"` when they are absent).
 *
 * @example
 * ```ts
 * import { fileKind } from "./fs.ts";
 * fileKind({ uid: 0, mode: 0o010644 }); // "FIFO"
 * fileKind({ uid: 0, mode: 0o644 }); // "file"
 * ```
 */
export function fileKind(stat: ConfigFileStat): "file" | "directory" | "FIFO" | "device" | "socket" {
  switch (stat.mode & 0o170000) {
    case 0o040000:
      return "directory";
    case 0o010000:
      return "FIFO";
    case 0o020000:
    case 0o060000:
      return "device";
    case 0o140000:
      return "socket";
    default:
      return "file";
  }
}

interface NodeFsModule {
  readFileSync(path: string, encoding: "utf8"): string;
  readdirSync(path: string): string[];
  statSync(path: string): { uid: number; mode: number; size: number };
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? (error as { code?: string }).code : undefined;
}

/**
 * A {@linkcode ConfigFileSystem} over a `node:fs` module (Node, Deno, Bun): what `nodeFileSystem` is, built here
 * so the runtime-agnostic entry can use the runtime's file system when no `fs` is passed.
 *
 * @example
 * ```ts
 * import { readdirSync, readFileSync, statSync } from "node:fs";
 * import { fileSystemFromNodeFs } from "./fs.ts";
 * const fs = fileSystemFromNodeFs({ readFileSync, readdirSync, statSync });
 * fs.stat?.("/nonexistent"); // undefined
 * ```
 */
export function fileSystemFromNodeFs(fs: NodeFsModule): ConfigFileSystem {
  return {
    readFile(path) {
      try {
        // Refused before reading, whoever reads: a FIFO blocks the reader (and the event loop) until a writer
        // comes, a device never ends, and neither is a configuration. `/dev/null` reads as empty, as in ssh.
        if (path !== "/dev/null") {
          const stat = fs.statSync(path);
          const kind = fileKind(stat);
          if (kind === "FIFO" || kind === "device" || kind === "socket") {
            throw new Error(`${path} is a ${kind}, not a regular file`);
          }
          if (kind === "file" && stat.size > MAX_CONFIG_FILE_BYTES) {
            throw new Error(`${path} is ${stat.size} bytes, over the limit of ${MAX_CONFIG_FILE_BYTES}`);
          }
        }
        return fs.readFileSync(path, "utf8");
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        if (code === "EISDIR") return "";
        throw error;
      }
    },
    readDir(path) {
      try {
        return fs.readdirSync(path);
      } catch {
        return undefined;
      }
    },
    stat(path) {
      try {
        const { uid, mode, size } = fs.statSync(path);
        return { uid, mode, size };
      } catch {
        return undefined;
      }
    },
  };
}

let runtimeFileSystem: ConfigFileSystem | undefined;

/**
 * The file system used when none is passed: the runtime's own (through `process.getBuiltinModule("node:fs")` on
 * Node 20.16+, Deno and Bun), so a path given to a resolver is read from disk. Where the runtime has none (a
 * browser), an empty one.
 *
 * @example
 * ```ts
 * import { defaultFileSystem } from "./fs.ts";
 * defaultFileSystem().readFile("/nonexistent/ssh_config"); // undefined
 * ```
 */
export function defaultFileSystem(): ConfigFileSystem {
  if (runtimeFileSystem) return runtimeFileSystem;
  const load = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const fs = load?.("node:fs") as NodeFsModule | undefined;
  runtimeFileSystem = fs ? fileSystemFromNodeFs(fs) : memoryFileSystem({});
  return runtimeFileSystem;
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
