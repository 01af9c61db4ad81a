/**
 * What the ActorGates of one isolate know about vaults (id, name, rate-limit override), shared by
 * all of them: Durable Objects of a class share an isolate (always under workerd, often in
 * production), so 1,000 agents of one vault cost one D1 read per vault per isolate every 2.5 s
 * instead of one per gate. Keyed by company *and* vault (or name), and read only with the company
 * in the query (vaults/vault-meta.queries.ts), so one company's vault is never another's.
 *
 * Propagation bound, as for the Worker's vault config (workers/proxy/vault-config.ts): a change is
 * used by every gate within 5 s. An entry is fresh for 2.5 s, then served while one background
 * refresh runs for at most 2.5 s more; older, it is read before answering. The isolate that made
 * the change forgets its company's entries at once (`forgetCompany`, from `forgetVaultConfig`),
 * and so does a gate invalidated by a principal change. A refusal never rests on a copy older than
 * the grants it is judged against: the gate re-reads before answering vault_not_found or no_grant
 * (`recheck`; a flood of refusals reads at most once per 250 ms per vault), so a vault made a
 * moment ago and a grant in it are seen on the grantee's next request, as before the cache was
 * shared.
 *
 * A gate never waits on a load another gate started: a promise resolved in another object's
 * request would tie the two together (and hang if that request ended first). Concurrent cold
 * gates may each read once; the entry they leave is shared.
 */
import type { VaultMeta } from "../workers/vaults/vault-meta.queries.ts";

/** Every gate uses a vault change within this long (fresh + stale while refreshing). */
export const VAULT_META_PROPAGATION_MS = 5_000;
export const VAULT_META_FRESH_MS = VAULT_META_PROPAGATION_MS / 2;
/** A refusal re-reads the vault only if its copy is older than this (bounds D1 reads under a refused flood). */
export const VAULT_META_RECHECK_MS = 250;
/** Least recently used entries go first beyond this many (names that match no vault count too). */
export const VAULT_META_MAX_ENTRIES = 1_024;

export type VaultLookup = { name: string } | { id: string };
type Load = () => Promise<VaultMeta | null>;
type Entry = { companyId: string; value: VaultMeta | null; loadedAt: number; refreshingSince?: number };
export type VaultMetaRead = { value: VaultMeta | null; loadedAt: number };

/** One isolate's vault metadata (a class so a test can hold two "isolates" side by side). */
export class VaultMetaCache {
  /** In order of last use: the first key is the least recently used. */
  #entries = new Map<string, Entry>();
  /** Bumped by every forget: a load that started before one is not kept (its caller still gets it). */
  #generation = 0;
  readonly #maxEntries: number;

  constructor(maxEntries = VAULT_META_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** `background` keeps a refresh alive past the request that started it (the gate's waitUntil). */
  async get(companyId: string, by: VaultLookup, load: Load, background: (p: Promise<unknown>) => void, now = Date.now()): Promise<VaultMetaRead> {
    const key = keyOf(companyId, by);
    const entry = this.#touch(key);
    if (entry) {
      const age = now - entry.loadedAt;
      if (age < VAULT_META_FRESH_MS) return entry;
      if (age < VAULT_META_PROPAGATION_MS) {
        // One refresh at a time; one that never finished (its object went away) is retried after the fresh period.
        if (entry.refreshingSince === undefined || now - entry.refreshingSince >= VAULT_META_FRESH_MS) {
          entry.refreshingSince = now;
          background(this.#fill(key, companyId, load, now).catch(() => undefined));
        }
        return entry;
      }
    }
    return this.#fill(key, companyId, load, now);
  }

  /**
   * Before refusing on a copy: the source of truth once more, unless the copy was read a moment
   * ago *and* after `notBefore` (when the gate read the grants it is judging by: a vault made
   * just before a grant in it is newer than a copy that says it does not exist).
   */
  recheck(companyId: string, by: VaultLookup, read: VaultMetaRead, load: Load, notBefore = 0, now = Date.now()): Promise<VaultMetaRead> | VaultMetaRead {
    if (now - read.loadedAt < VAULT_META_RECHECK_MS && read.loadedAt >= notBefore) return read;
    return this.#fill(keyOf(companyId, by), companyId, load, now);
  }

  /** Drops every entry of the company, and keeps no load already in flight. */
  forgetCompany(companyId: string): void {
    this.#generation += 1;
    for (const [key, entry] of this.#entries) if (entry.companyId === companyId) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #touch(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  async #fill(key: string, companyId: string, load: Load, now: number): Promise<VaultMetaRead> {
    const generation = this.#generation;
    // The copy is as old as the moment its read began: a change committed during the read is not in it.
    const read = { value: await load(), loadedAt: now };
    if (generation !== this.#generation) return read;
    this.#entries.delete(key);
    this.#entries.set(key, { companyId, ...read });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
    return read;
  }
}

function keyOf(companyId: string, by: VaultLookup): string {
  return JSON.stringify("name" in by ? [companyId, "name", by.name] : [companyId, "id", by.id]);
}

/** The isolate's one cache, shared by every gate in it. */
export const sharedVaultMeta = new VaultMetaCache();
