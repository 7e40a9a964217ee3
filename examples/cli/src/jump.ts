import type { ClientArgument } from "@tsalive/config";
import { parseProxyJump } from "@tsalive/config/unstable";
import type { ClientArguments } from "./argv.ts";
import type { ClientSettings } from "./settings.ts";

/** A jump through this many hosts is taken for a loop (ssh would fork ssh after ssh until it ran out). */
const MAX_HOPS = 16;

/** A jump host's settings, and the `direct-tcpip` destination it is asked for (`ssh -W '[%h]:%p'`). */
export interface JumpHop {
  readonly settings: ClientSettings;
  /** How this hop's own ssh would be run by ssh.c: `-l`, `-p` and `-J` as given to it. */
  readonly commandLine: readonly ClientArgument[];
}

/**
 * The chain `ssh -J`/ProxyJump builds, nearest hop first, then the target: ssh.c turns `ProxyJump a,b` for the
 * target into the proxy command `ssh -J a -W '[%h]:%p' b` (with `-l`/`-p` from the hop's spec and the same `-F`,
 * but none of the target's `-o`, `-i`, `-l`, `-p`), so the last jump host is resolved as a Host of its own with the
 * earlier ones as its ProxyJump, and the first one's own ProxyJump is followed. `resolve` is resolveSettings.
 *
 * @throws {Error} `jumphost loop via HOST` where ssh says so, and for a chain of more than 16 hops.
 */
export function jumpChain(
  args: ClientArguments,
  target: ClientSettings,
  resolve: (args: ClientArguments) => ClientSettings,
): JumpHop[] {
  const chain: JumpHop[] = [{ settings: target, commandLine: args.commandLine }];
  for (let current = target; ; ) {
    const value = current.resolved.values.proxyJump;
    const parsed = value === undefined ? undefined : parseProxyJump(value, current.resolved.resolution.openssh);
    if (parsed === undefined || parsed.none) return chain;
    const hops = parsed.hops;
    const jump = hops[hops.length - 1];
    if (jump === undefined) return chain;
    if (
      jump.host === current.hostName &&
      (jump.user ?? current.user) === current.user &&
      (jump.port ?? 22) === current.port
    ) {
      throw new Error(`jumphost loop via ${jump.host}`);
    }
    if (chain.length > MAX_HOPS) throw new Error(`jumphost loop: more than ${MAX_HOPS} hops via ${jump.host}`);
    const rest = hops
      .slice(0, -1)
      .map(
        (hop) =>
          `${hop.user === undefined ? "" : `${hop.user}@`}${hop.host.includes(":") ? `[${hop.host}]` : hop.host}${hop.port === undefined ? "" : `:${hop.port}`}`,
      );
    const commandLine: ClientArgument[] = [
      ...(jump.user === undefined ? [] : [{ kind: "user" as const, user: jump.user }]),
      ...(jump.port === undefined ? [] : [{ kind: "port" as const, port: jump.port }]),
      // -J: the earlier hops, or none at all, so that this hop's own ProxyJump is followed only for the first.
      ...(rest.length === 0 ? [] : [{ kind: "option" as const, text: `ProxyJump=${rest.join(",")}` }]),
    ];
    const hopArgs: ClientArguments = {
      ...args,
      destination: jump.host,
      commandLine,
      options: [],
      port: jump.port,
      user: jump.user,
      identityFiles: [],
      command: undefined,
      localForwards: [],
      noCommand: true,
    };
    current = resolve(hopArgs);
    chain.unshift({ settings: current, commandLine });
  }
}
