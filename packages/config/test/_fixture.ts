/**
 * The client fixture format of the differential suite (test/fixtures/client/*.case): header lines, then files.
 *
 *   # comment
 *   @host web                 a destination given to ssh (repeatable: each is resolved separately)
 *   @option ServerAliveCountMax=5   one -o option (repeatable)
 *   @exec                     allow Match exec (nodeExec; ssh always runs it)
 *   @chmod PATH MODE          set a file's mode (octal) after writing it
 *   @expect error|ok          what OpenSSH does for every host (checked against ssh too, so a fixture cannot lie)
 *   @expect-10.0 error|ok     what one release does, where releases differ (overrides @expect for it)
 *   @versions 10.0 10.6       the releases the fixture applies to (default: all)
 *   @arg -l NAME              a command-line option and its value (-l, -p, -i, -o), repeatable, in order
 *   --- config                the -F file; other paths are relative to the temp root, home/ is HOME
 *
 * `${ROOT}` in any text is replaced by the temp root, so absolute Include paths work.
 */
import { readFileSync } from "node:fs";

/** The placeholder for the temp root in fixture texts. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the fixtures spell it this way on purpose
export const ROOT_TOKEN = "${ROOT}";

export interface ClientFixture {
  readonly name: string;
  readonly hosts: readonly string[];
  readonly options: readonly string[];
  readonly exec: boolean;
  readonly expect: "error" | "ok";
  /** Per-release overrides of `expect`. */
  readonly expectFor: ReadonlyMap<string, "error" | "ok">;
  /** The releases the fixture applies to; empty for all. */
  readonly versions: readonly string[];
  /** Command-line arguments before the destination (`-l`, `-p`, `-i` …), in order. */
  readonly args: readonly string[];
  readonly files: ReadonlyMap<string, string>;
  readonly modes: ReadonlyMap<string, number>;
}

export function readFixture(path: string, name: string): ClientFixture {
  const text = readFileSync(path, "utf8");
  const [header = "", ...parts] = text.split(/^--- /m);
  const hosts: string[] = [];
  const options: string[] = [];
  let exec = false;
  let expect: "error" | "ok" = "ok";
  const modes = new Map<string, number>();
  const expectFor = new Map<string, "error" | "ok">();
  const versions: string[] = [];
  const args: string[] = [];
  for (const line of header.split("\n")) {
    const [directive, ...rest] = line.split(" ");
    const value = rest.join(" ");
    if (directive === "@host") hosts.push(value);
    else if (directive === "@option") options.push(value);
    else if (directive === "@exec") exec = true;
    else if (directive === "@chmod") modes.set(rest[0] ?? "", Number.parseInt(rest[1] ?? "600", 8));
    else if (directive === "@expect") expect = value === "error" ? "error" : "ok";
    else if (directive?.startsWith("@expect-")) expectFor.set(directive.slice(8), value === "error" ? "error" : "ok");
    else if (directive === "@versions") versions.push(...rest);
    else if (directive === "@arg") args.push(rest[0] ?? "", rest.slice(1).join(" "));
  }
  if (hosts.length === 0) throw new Error(`${name}: no @host`);
  const files = new Map<string, string>();
  for (const part of parts) {
    const newline = part.indexOf("\n");
    files.set(part.slice(0, newline).trim(), part.slice(newline + 1));
  }
  return { name, hosts, options, exec, expect, expectFor, versions, args, files, modes };
}
