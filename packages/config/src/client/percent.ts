/**
 * misc.c `percent_expand`: replaces `%x` by `tokens[x]` and `%%` by `%`. Returns an error message (OpenSSH's
 * wording) for a trailing `%` or a token that is not offered, where ssh exits.
 *
 * @example
 * ```ts
 * import { percentExpand } from "@tsalive/config/unstable";
 * percentExpand("%h.example.com", { h: "web" }); // { value: "web.example.com" }
 * percentExpand("%z", { h: "web" }); // { error: "percent_expand: unknown key %z" }
 * ```
 */
export function percentExpand(
  text: string,
  tokens: Readonly<Record<string, string>>,
): { value: string; error?: undefined } | { error: string; value?: undefined } {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== "%") {
      out += c;
      continue;
    }
    i++;
    const key = text[i];
    if (key === "%") {
      out += "%";
      continue;
    }
    if (key === undefined) return { error: "percent_expand: invalid format" };
    const replacement = Object.hasOwn(tokens, key) ? tokens[key] : undefined;
    if (replacement === undefined) return { error: `percent_expand: unknown key %${key}` };
    out += replacement;
  }
  return { value: out };
}
