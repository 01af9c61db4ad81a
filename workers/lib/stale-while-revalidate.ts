/**
 * A small cache that never makes a warm caller wait on its loader: an entry younger than
 * `freshMs` is served as is; one younger than `maxStaleMs` is served while a refresh runs in the
 * background; anything older (or missing) is loaded before answering. Concurrent loads of one
 * key share a promise. Used for vault config in isolates and vault metadata in gates.
 */
export type SwrOptions = { freshMs: number; maxStaleMs: number; maxEntries: number };

type Entry<V> = { value: V; loadedAt: number; refreshing?: Promise<V> };

export class StaleWhileRevalidate<V> {
  #entries = new Map<string, Entry<V>>();
  #loading = new Map<string, Promise<V>>();
  readonly #options: SwrOptions;

  constructor(options: SwrOptions) {
    this.#options = options;
  }

  /** `background` receives refresh promises so the platform keeps them alive (waitUntil). */
  async get(key: string, load: () => Promise<V>, background: (p: Promise<unknown>) => void, now = Date.now()): Promise<V> {
    const entry = this.#entries.get(key);
    if (entry) {
      const age = now - entry.loadedAt;
      if (age < this.#options.freshMs) return entry.value;
      if (age < this.#options.maxStaleMs) {
        if (!entry.refreshing) {
          entry.refreshing = this.#load(key, load).finally(() => (entry.refreshing = undefined));
          background(entry.refreshing.catch(() => undefined));
        }
        return entry.value;
      }
    }
    return this.#load(key, load);
  }

  /** Forget a key, e.g. after this isolate itself changed the underlying data. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  #load(key: string, load: () => Promise<V>): Promise<V> {
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const promise = load()
      .then((value) => {
        if (this.#entries.size >= this.#options.maxEntries && !this.#entries.has(key)) {
          const oldest = this.#entries.keys().next().value;
          if (oldest !== undefined) this.#entries.delete(oldest);
        }
        this.#entries.set(key, { value, loadedAt: Date.now() });
        return value;
      })
      .finally(() => this.#loading.delete(key));
    this.#loading.set(key, promise);
    return promise;
  }
}
