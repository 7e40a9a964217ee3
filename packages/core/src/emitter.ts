/** A listener for one event of a map from event names to payload types. */
export type Listener<T> = (payload: T) => void;

/** An event's one listener, or once there are more, their list. */
type Stored<T> = Listener<T> | Listener<T>[] | undefined;

/**
 * The smallest typed event emitter that works on every runtime; the monitors and the ssh2 adapters use it for
 * their events. The listener table is created on first use, so an emitter nobody listens to costs one field.
 *
 * @example
 * ```ts
 * import { Emitter } from "@tsalive/core";
 *
 * const events = new Emitter<{ probe: { unanswered: number } }>();
 * const off = events.on("probe", ({ unanswered }) => console.log(unanswered));
 * events.emit("probe", { unanswered: 1 }); // logs 1
 * off();
 * ```
 */
export class Emitter<Events> {
  /** Per event, its one listener, or once there are more, their list. */
  #listeners: { [K in keyof Events]?: Stored<Events[K]> } | undefined;

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    this.#listeners ??= {};
    const list: Stored<Events[K]> = this.#listeners[event];
    // One listener is kept alone, as Node's EventEmitter keeps it: a list costs 56 bytes more (a push onto [] would
    // reserve room for 17, 136 bytes more).
    if (list === undefined) this.#listeners[event] = listener;
    else if (typeof list === "function") this.#listeners[event] = [list, listener];
    else list.push(listener);
    return () => this.off(event, listener);
  }

  /** Removes one registration of `listener`. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const listeners = this.#listeners;
    const list: Stored<Events[K]> = listeners?.[event];
    if (listeners === undefined || list === undefined) return;
    if (typeof list === "function") {
      // Not `delete`: V8 turns an object that loses a property into a slower dictionary.
      if (list === listener) listeners[event] = undefined;
      return;
    }
    const index = list.indexOf(listener);
    if (index !== -1) list.splice(index, 1);
  }

  /** Calls the listeners of `event` in the order they were added; one added meanwhile waits for the next emit. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list: Stored<Events[K]> = this.#listeners?.[event];
    if (list === undefined) return;
    if (typeof list === "function") list(payload);
    else for (const listener of list.length === 1 ? list : [...list]) listener(payload);
  }

  /** Whether `event` has a listener. */
  has(event: keyof Events): boolean {
    return countOf(this.#listeners?.[event]) > 0;
  }

  /** How many listeners there are, over all events (for leak checks). */
  listenerCount(): number {
    let total = 0;
    for (const key in this.#listeners) total += countOf(this.#listeners[key]);
    return total;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners = undefined;
  }
}

function countOf(list: Listener<never> | readonly Listener<never>[] | undefined): number {
  return list === undefined ? 0 : typeof list === "function" ? 1 : list.length;
}
