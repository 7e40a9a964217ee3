/** Takes a hook out again; idempotent. */
export type Undo = () => void;

/** What a hook replaced on its target, keyed by the hook function itself. */
interface Replaced {
  readonly value: unknown;
  /** Whether the value was the target's own property (else it came from the prototype and is deleted on undo). */
  readonly own: boolean;
}

const REPLACED: unique symbol = Symbol("tsalive.replaced");
type Hookable = { [REPLACED]?: Map<unknown, Replaced> };

/**
 * Puts `wrapper` in place of `target[key]` and returns the function that puts the old value back. The old value
 * stays reachable as {@linkcode previous}`(target, wrapper)`, so one wrapper function can serve every connection of a
 * server: it finds its connection's state from its arguments and the value it replaced from its target, and no
 * closure is made per connection. Several hooks on one key chain, each calling the one before it.
 *
 * The undo restores only while `wrapper` is still in place: when someone wrapped over it since, their wrapper keeps
 * calling through ours, which must then keep finding what it replaced.
 *
 * @example
 * ```ts
 * import { hook, previous } from "@tsalive/ssh2-layer";
 * const handlers: { CLOSE?: (id: number) => string } = { CLOSE: (id) => `closed ${id}` };
 * function onClose(id: number): string {
 *   return `seen, ${previous(handlers, onClose)?.(id)}`;
 * }
 * const undo = hook(handlers, "CLOSE", onClose);
 * handlers.CLOSE?.(3); // "seen, closed 3"
 * undo();
 * handlers.CLOSE?.(3); // "closed 3"
 * ```
 */
export function hook<T extends object, K extends keyof T>(target: T, key: K, wrapper: NonNullable<T[K]>): Undo {
  const hookable = target as T & Hookable;
  const replaced: Replaced = { value: target[key], own: Object.hasOwn(target, key) };
  let map = hookable[REPLACED];
  if (map === undefined) {
    map = new Map();
    Object.defineProperty(target, REPLACED, { value: map, configurable: true });
  }
  map.set(wrapper, replaced);
  target[key] = wrapper;
  return () => {
    if (target[key] !== wrapper) return;
    if (replaced.own) target[key] = replaced.value as T[K];
    else delete target[key];
    map.delete(wrapper);
  };
}

/**
 * The value `wrapper` replaced on `target` when {@linkcode hook} installed it (`undefined` when there was none, or
 * when `wrapper` was never hooked there).
 *
 * @example
 * ```ts
 * import { hook, previous } from "@tsalive/ssh2-layer";
 * const socket = { write: (chunk: string) => chunk.length > 0 };
 * function write(chunk: string): boolean {
 *   return previous(socket, write)?.(chunk) ?? false;
 * }
 * hook(socket, "write", write);
 * socket.write("x"); // true
 * ```
 */
export function previous<F>(target: object, wrapper: F): F | undefined {
  return (target as Hookable)[REPLACED]?.get(wrapper)?.value as F | undefined;
}
