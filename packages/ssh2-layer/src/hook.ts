/** Takes a hook out again; idempotent. */
export type Undo = () => void;

/**
 * Where a wrapper keeps, on each target it is hooked on, the value it replaced: one symbol-keyed property made once
 * per wrapper. A target then pays one property slot per hook, not a record, a map or a closure: a server hooks a
 * dozen keys on every connection. A wrapper serves one key, recorded at its first hook, so that a value that came
 * from the target's prototype need not be kept: the slot says {@linkcode INHERITED} and the prototype has it; over a
 * key that was absent there is no slot at all.
 */
interface Slot {
  readonly value: symbol;
  readonly key: PropertyKey;
}

/** In a slot: the replaced value was not the target's own (a prototype's, or none); undo deletes ours. */
const INHERITED: unique symbol = Symbol("tsalive.inherited");

// Weak: a wrapper made per connection (a closure) takes its slot with it when it goes.
const slots = new WeakMap<object, Slot>();

function slotOf(wrapper: unknown, hookedAt: PropertyKey): Slot {
  // As property keys are: a number is its string.
  const key = typeof hookedAt === "symbol" ? hookedAt : String(hookedAt);
  const fn = wrapper as object;
  let slot = slots.get(fn);
  if (slot === undefined) {
    const name = typeof wrapper === "function" ? wrapper.name : "";
    slot = { value: Symbol(`tsalive.replaced ${name}`), key };
    slots.set(fn, slot);
  } else if (slot.key !== key) {
    throw new TypeError(`Cannot hook ${String(key)}: this wrapper is hooked at ${String(slot.key)}; use one per key`);
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
  const slot = slotOf(wrapper, key);
  const slots = target as unknown as Slots;
  // A key absent all along the chain needs no slot either: none reads as INHERITED, and there is nothing to find.
  if (Object.hasOwn(target, key)) put(slots, slot.value, target[key]);
  else if (key in target || Object.hasOwn(slots, slot.value)) put(slots, slot.value, INHERITED);
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
  const slot = slotOf(wrapper, key);
  const slots = target as unknown as Slots;
  const kept = Object.hasOwn(slots, slot.value);
  const replaced = kept ? slots[slot.value] : INHERITED;
  if (replaced === INHERITED) delete target[key];
  else target[key] = replaced as T[K];
  if (kept) slots[slot.value] = undefined;
}

/**
 * The value `wrapper` replaced on `target` when {@linkcode hook} installed it (`undefined` when there was none, or
 * when `wrapper` is not hooked there); for one that came from the prototype, the prototype's value now.
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
  const slot = slots.get(wrapper as object);
  if (slot === undefined) return undefined;
  const replaced = (target as Slots)[slot.value];
  if (replaced !== INHERITED) return replaced as F | undefined;
  return (Object.getPrototypeOf(target) as Record<PropertyKey, unknown> | null)?.[slot.key] as F | undefined;
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
