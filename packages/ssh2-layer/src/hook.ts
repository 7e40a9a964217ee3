/** Takes a hook out again; idempotent. */
export type Undo = () => void;

/**
 * Where a wrapper keeps, on each target it is hooked on, the value it replaced: two symbol-keyed properties made
 * once per wrapper. A target then pays one property slot per hook (and one more over a prototype method), not a
 * record, a map or a closure: a server hooks a dozen keys on every connection.
 */
interface Slot {
  readonly value: symbol;
  /** Set on the target when the replaced value came from its prototype: undo deletes ours instead of assigning. */
  readonly inherited: symbol;
}

// Wrappers are module-level functions that live as long as the process, so a plain map is no leak.
const slots = new Map<unknown, Slot>();

function slotOf(wrapper: unknown): Slot {
  let slot = slots.get(wrapper);
  if (slot === undefined) {
    const name = typeof wrapper === "function" ? wrapper.name : "";
    slot = { value: Symbol(`tsalive.replaced ${name}`), inherited: Symbol(`tsalive.inherited ${name}`) };
    slots.set(wrapper, slot);
  }
  return slot;
}

type Slots = Record<symbol, unknown>;

/** Sets a symbol-keyed property that stays out of enumerations, without redefining it each time. */
function put(target: Slots, key: symbol, value: unknown): void {
  if (Object.hasOwn(target, key)) target[key] = value;
  else Object.defineProperty(target, key, { value, writable: true, configurable: true });
}

/**
 * Puts `wrapper` in place of `target[key]`. The old value stays reachable as {@linkcode previous}`(target, wrapper)`,
 * so one wrapper function can serve every connection of a server: it finds its connection's state from its
 * arguments and the value it replaced from its target, and nothing is made per connection but one property.
 * Several hooks on one key chain, each calling the one before it. {@linkcode unhook} takes it out again; so does the
 * returned undo, for callers that keep one per hook.
 *
 * @example
 * ```ts
 * import { hook, previous, unhook } from "@tsalive/ssh2-layer";
 * const handlers: { CLOSE?: (id: number) => string } = { CLOSE: (id) => `closed ${id}` };
 * function onClose(id: number): string {
 *   return `seen, ${previous(handlers, onClose)?.(id)}`;
 * }
 * hook(handlers, "CLOSE", onClose);
 * handlers.CLOSE?.(3); // "seen, closed 3"
 * unhook(handlers, "CLOSE", onClose);
 * handlers.CLOSE?.(3); // "closed 3"
 * ```
 */
export function hook<T extends object, K extends keyof T>(target: T, key: K, wrapper: NonNullable<T[K]>): Undo {
  const slot = slotOf(wrapper);
  const slots = target as unknown as Slots;
  put(slots, slot.value, target[key]);
  if (!Object.hasOwn(target, key)) put(slots, slot.inherited, true);
  target[key] = wrapper;
  return () => unhook(target, key, wrapper);
}

/**
 * Takes out the `wrapper` that {@linkcode hook} put at `target[key]`: the value it replaced goes back (an own
 * property), or ours is deleted so the prototype's shows through again. It restores only while `wrapper` is still
 * in place: when someone wrapped over it since, their wrapper keeps calling through ours, which then keeps finding
 * what it replaced. Idempotent.
 */
export function unhook<T extends object, K extends keyof T>(target: T, key: K, wrapper: NonNullable<T[K]>): void {
  if (target[key] !== wrapper) return;
  const slot = slotOf(wrapper);
  const slots = target as unknown as Slots;
  if (slots[slot.inherited] === true) {
    delete target[key];
    slots[slot.inherited] = false;
  } else {
    target[key] = slots[slot.value] as T[K];
  }
  slots[slot.value] = undefined;
}

/**
 * The value `wrapper` replaced on `target` when {@linkcode hook} installed it (`undefined` when there was none, or
 * when `wrapper` is not hooked there).
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
  const slot = slots.get(wrapper);
  return slot === undefined ? undefined : ((target as Slots)[slot.value] as F | undefined);
}

/** Wrappers by key: a table shared by every connection, for {@linkcode hookAll} and {@linkcode unhookAll}. */
export type Wrappers<T> = { readonly [K in keyof T]?: NonNullable<T[K]> };

/**
 * {@linkcode hook} for every entry of `wrappers`, a module-level table: one call per concern and connection.
 *
 * @example
 * ```ts
 * import { hookAll, unhookAll, type Wrappers } from "@tsalive/ssh2-layer";
 * type Handlers = { OPEN?: () => string; CLOSE?: () => string };
 * const handlers: Handlers = { OPEN: () => "open", CLOSE: () => "close" };
 * const OURS: Wrappers<Handlers> = { CLOSE: () => "ours" };
 * hookAll(handlers, OURS);
 * handlers.CLOSE?.(); // "ours"
 * unhookAll(handlers, OURS);
 * handlers.CLOSE?.(); // "close"
 * ```
 */
export function hookAll<T extends object>(target: T, wrappers: Wrappers<T>): void {
  for (const key of Object.keys(wrappers) as (keyof T)[]) hook(target, key, wrappers[key] as NonNullable<T[keyof T]>);
}

/** {@linkcode unhook} for every entry of `wrappers`. */
export function unhookAll<T extends object>(target: T, wrappers: Wrappers<T>): void {
  for (const key of Object.keys(wrappers) as (keyof T)[]) unhook(target, key, wrappers[key] as NonNullable<T[keyof T]>);
}
