/** A listener for one event of a map from event names to payload types. */
export type Listener<T> = (payload: T) => void;

/**
 * The smallest typed event emitter that works on every runtime. Listener arrays are created on first use, so a
 * monitor nobody listens to carries one empty field.
 */
export class Emitter<Events> {
  #listeners: { [K in keyof Events]?: Listener<Events[K]>[] } | undefined;

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    this.#listeners ??= {};
    let list = this.#listeners[event];
    if (list === undefined) {
      list = [];
      this.#listeners[event] = list;
    }
    list.push(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners?.[event];
    const index = list ? list.indexOf(listener) : -1;
    if (list && index !== -1) list.splice(index, 1);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#listeners?.[event];
    if (list === undefined) return;
    for (const listener of list.length === 1 ? list : [...list]) listener(payload);
  }

  listenerCount(): number {
    let total = 0;
    for (const key in this.#listeners) total += this.#listeners[key]?.length ?? 0;
    return total;
  }
}
