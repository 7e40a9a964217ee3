/**
 * OpenSSH's `match_pattern` (match.c) for channel type patterns: `*` matches any run, `?` exactly one character,
 * everything else itself, case-sensitively.
 */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  // Iterative glob with backtracking to the last star: O(text · pattern) at worst, no recursion.
  while (t < text.length) {
    const c = pattern[p];
    if (c === "*") {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === "?" || c === text[t])) {
      p++;
      t++;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** The OpenSSH ChannelTimeout label of a channel type: the names sshd uses (channels.c, session.c). */
export function labelOfChannelType(type: string): string {
  switch (type) {
    case "x11":
      return "x11-connection";
    case "auth-agent@openssh.com":
      return "agent-connection";
    default:
      return type;
  }
}

/** The label of a session once it starts a shell, command or subsystem (session.c, sshd 9.2). */
export function labelOfSessionRequest(type: string, data: unknown): string | undefined {
  if (type === "shell") return "session:shell";
  if (type === "exec") return "session:command";
  if (type === "subsystem") return `session:subsystem:${String(data)}`;
  return undefined;
}
