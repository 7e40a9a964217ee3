/** A listener for one event of a map from event names to payload types. */
export type Listener<T> = (payload: T) => void;

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
  #listeners: { [K in keyof Events]?: Listener<Events[K]>[] } | undefined;

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    this.#listeners ??= {};
    const list = this.#listeners[event];
    // The first list is made with its one listener: a push onto [] reserves room for 17 (136 bytes more per event).
    if (list === undefined) this.#listeners[event] = [listener];
    else list.push(listener);
    return () => this.off(event, listener);
  }

  /** Removes one registration of `listener`. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners?.[event];
    const index = list ? list.indexOf(listener) : -1;
    if (list && index !== -1) list.splice(index, 1);
  }

  /** Calls the listeners of `event` in the order they were added; one added meanwhile waits for the next emit. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#listeners?.[event];
    if (list === undefined) return;
    for (const listener of list.length === 1 ? list : [...list]) listener(payload);
  }

  /** Whether `event` has a listener. */
  has(event: keyof Events): boolean {
    return (this.#listeners?.[event]?.length ?? 0) > 0;
  }

  /** How many listeners there are, over all events (for leak checks). */
  listenerCount(): number {
    let total = 0;
    for (const key in this.#listeners) total += this.#listeners[key]?.length ?? 0;
    return total;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners = undefined;
  }
}
