/**
 * **Unstable**: OpenSSH's pattern matching, for code that checks what sshd and ssh check beyond the
 * configuration (AllowUsers, `from=` in authorized_keys, known_hosts host patterns, `%` tokens), and the hops of a ProxyJump value. These follow
 * match.c, addrmatch.c and misc.c exactly but their names and shapes may change in any minor release; the
 * stable API is `@tsalive/config`.
 *
 * @module
 */

export { type JumpHost, type ProxyJumpValue, parseProxyJump } from "./client/jump.ts";
export { percentExpand } from "./client/percent.ts";
export { matchHostname, matchPattern, matchPatternList, type PatternListResult } from "./pattern.ts";
export { type AddressListResult, matchAddressList } from "./server/address.ts";
