/** A listener for one event of a map from event names to payload types. */
export type Listener<T> = (payload: T) => void;

/** A minimal typed event emitter; listener arrays are created on first use. */
export class Emitter<Events> {
  #listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let list = this.#listeners[event];
    if (list === undefined) {
      list = [];
      this.#listeners[event] = list;
    }
    list.push(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners[event];
    const index = list ? list.indexOf(listener) : -1;
    if (list && index !== -1) list.splice(index, 1);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#listeners[event];
    if (list === undefined) return;
    for (const listener of list.length === 1 ? list : [...list]) listener(payload);
  }

  has(event: keyof Events): boolean {
    return (this.#listeners[event]?.length ?? 0) > 0;
  }

  listenerCount(): number {
    let total = 0;
    for (const key in this.#listeners) total += this.#listeners[key]?.length ?? 0;
    return total;
  }

  clear(): void {
    this.#listeners = {};
  }
}
