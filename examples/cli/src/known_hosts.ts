import { createHmac } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { matchPatternList } from "@tsalive/config/unstable";

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  readonly file: string;
  readonly line: number;
  readonly marker: "revoked" | "cert-authority" | undefined;
  readonly type: string;
  readonly key: Buffer;
}

/**
 * How ssh names a host in known_hosts: `host` on port 22, `[host]:port` otherwise.
 *
 * @example
 * ```ts
 * import { knownHostName } from "./known_hosts.ts";
 * knownHostName("127.0.0.1", 2222); // "[127.0.0.1]:2222"
 * ```
 */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether a known_hosts host field (patterns with `!`, or one hashed `|1|salt|hash` entry) names `name`. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|1|")) {
    const [, , salt, hash] = field.split("|");
    if (salt === undefined || hash === undefined) return false;
    const digest = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
    return digest === hash;
  }
  return matchPatternList(name.toLowerCase(), field, true) === "match";
}

/**
 * Every key line of the given known_hosts files that names `name` (hashed entries included), in file order.
 * Missing files are skipped.
 */
export function findKnownHosts(files: readonly string[], name: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    text.split("\n").forEach((raw, index) => {
      let tokens = raw.trim().split(/\s+/);
      if (tokens[0] === "" || tokens[0]?.startsWith("#")) return;
      let marker: KnownHostEntry["marker"];
      if (tokens[0] === "@revoked" || tokens[0] === "@cert-authority") {
        marker = tokens[0] === "@revoked" ? "revoked" : "cert-authority";
        tokens = tokens.slice(1);
      }
      const [hosts, type, key] = tokens;
      if (hosts === undefined || type === undefined || key === undefined) return;
      if (!hostFieldMatches(hosts, name)) return;
      entries.push({ file, line: index + 1, marker, type, key: Buffer.from(key, "base64") });
    });
  }
  return entries;
}

/**
 * Hashes a host name as `ssh-keygen -H` and `HashKnownHosts yes` do: `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 */
export function hashHostName(name: string, salt: Buffer): string {
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

/** Appends `name type key` to a known_hosts file, creating its directory (mode 0700) as ssh does. */
export function addKnownHost(file: string, name: string, type: string, key: Buffer): void {
  if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${name} ${type} ${key.toString("base64")}\n`, { mode: 0o600 });
}
