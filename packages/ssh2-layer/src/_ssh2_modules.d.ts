// ssh2 ships no types for its internal modules; these are as narrow as the adapter's use of them. What the
// adapter relies on is checked at attach time (protocol.ts), so `unknown` is enough here.
declare module "ssh2/lib/protocol/utils.js" {
  const utils: unknown;
  export default utils;
}
declare module "ssh2/lib/protocol/Protocol.js" {
  const Protocol: unknown;
  export default Protocol;
}
declare module "ssh2/lib/protocol/handlers.js" {
  const handlers: unknown;
  export default handlers;
}
