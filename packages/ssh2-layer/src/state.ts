/**
 * Each connection's state is one plain object, set on the ssh2 objects its hooks run on (the protocol, its handler
 * table, the socket), so that one hook function serves every connection: it finds the state with a property load
 * instead of closing over it.
 */
const STATE: unique symbol = Symbol("tsalive.connection");
type Bound<S> = { [STATE]?: S };

/**
 * Sets `state` on `target` (non-enumerable) for {@linkcode stateOf}; `undefined` unsets it.
 *
 * @example
 * ```ts
 * import { bindState, stateOf } from "@tsalive/ssh2-layer";
 * const socket = {};
 * bindState(socket, { probes: 0 });
 * stateOf<{ probes: number }>(socket)?.probes; // 0
 * ```
 */
export function bindState<S extends object>(target: object, state: S | undefined): void {
  Object.defineProperty(target, STATE, { value: state, configurable: true, writable: true });
}

/** The state {@linkcode bindState} set on `target`, if any. */
export function stateOf<S extends object>(target: object): S | undefined {
  return (target as Bound<S>)[STATE];
}
