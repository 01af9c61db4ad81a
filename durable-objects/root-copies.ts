/**
 * What a gate read about its root principal, kept in the isolate after the gate is evicted, so
 * the next instance of the same gate starts without a D1 read. workerd evicts an idle Durable
 * Object after about 10 s (production after a minute or two), so an agent that calls every 20 s
 * would otherwise pay a D1 round trip (its row, token and grants) on every visit.
 *
 * A copy stands for exactly what the evicted instance held in memory, which it served until
 * invalidated: it is used only under the same *epoch*, a random id the gate keeps in its own
 * storage and replaces on every invalidation (durable-objects/actor-gate.ts). An invalidation
 * therefore outdates every copy of that gate in every isolate before the write that caused it
 * answers — wherever the copy is, it no longer matches — and revocation, rotation and disabling
 * still act on the very next request. A copy is also used for at most `ROOT_COPY_MAX_AGE_MS` after
 * its D1 read, so that even an invalidation that never arrived (the write committed, the call to
 * the gate failed) is healed by an idle gate as it was before copies existed, only later.
 */
import type { RootState } from "./actor-gate.queries.ts";

export const ROOT_COPY_MAX_AGE_MS = 60_000;
/** Least recently used copies go first beyond this many. */
export const ROOT_COPY_MAX_ENTRIES = 4_096;

export type RootCopy = {
  epoch: string;
  state: RootState | null;
  loadedAt: number;
  /** When last-seen was last written to D1 for this root (shared by its successive instances). */
  lastFlushedAt: number;
};

export class RootCopies {
  /** Gate (Durable Object id) → its copy, in order of last use. */
  #copies = new Map<string, RootCopy>();
  readonly #maxEntries: number;

  constructor(maxEntries = ROOT_COPY_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** The gate's copy, if it was read under this epoch and is young enough. */
  get(gate: string, epoch: string, now = Date.now()): RootCopy | undefined {
    const copy = this.#copies.get(gate);
    if (!copy) return undefined;
    this.#copies.delete(gate);
    if (copy.epoch !== epoch || now - copy.loadedAt >= ROOT_COPY_MAX_AGE_MS) return undefined;
    this.#copies.set(gate, copy);
    return copy;
  }

  set(gate: string, copy: RootCopy): void {
    this.#copies.delete(gate);
    this.#copies.set(gate, copy);
    for (const oldest of this.#copies.keys()) {
      if (this.#copies.size <= this.#maxEntries) break;
      this.#copies.delete(oldest);
    }
  }

  delete(gate: string): void {
    this.#copies.delete(gate);
  }

  get size(): number {
    return this.#copies.size;
  }
}

/** The isolate's copies, shared by every gate in it. */
export const sharedRootCopies = new RootCopies();
