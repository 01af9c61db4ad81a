/**
 * One per actor (agent or vault session): the authority on whether its token is still valid,
 * its rate-limit buckets per vault, its in-flight requests and its last-seen time. The edge
 * reaches it by the public id inside the token, so a proxied request pays exactly one round
 * trip here (`admit`: token + grant + budget) and no D1 query once the object is warm.
 * Management changes call `invalidate()` after writing D1, so the next request re-reads D1:
 * revocation and rotation take effect at once.
 */
import { DurableObject } from "cloudflare:workers";
import { createDatabase } from "../workers/db/client.ts";
import { loadActorState, writeLastSeen, type ActorKey, type ActorState } from "../workers/db/actor-state.queries.ts";
import { loadVaultMeta, type VaultMeta } from "../workers/db/vault-meta.queries.ts";
import type { VaultRole } from "../workers/db/schema.ts";
import type { Env } from "../workers/env.ts";
import { admit, effectiveRateLimit, newBucket, release, type Bucket } from "../workers/lib/rate-limit.ts";
import { StaleWhileRevalidate } from "../workers/lib/stale-while-revalidate.ts";
import { digestsEqual } from "../workers/lib/tokens.ts";

/** Last-seen is written to D1 at most this often per agent. */
export const LAST_SEEN_FLUSH_MS = 60_000;
/** An in-flight slot whose release never arrived is reclaimed after this long. */
export const LEASE_TTL_MS = 120_000;
/** Vault id and rate-limit override: fresh for 5 s, served stale (refreshing) up to 60 s. */
const VAULT_META_CACHE = { freshMs: 5_000, maxStaleMs: 60_000, maxEntries: 256 };

export type GateAuthentication = { ok: true; actor: ActorState; lastSeenAt: number } | { ok: false };

export type GateActor = { kind: ActorKey["kind"]; id: string; companyId: string; name: string };

export type GateAdmission =
  | { ok: true; actor: GateActor; vault: { id: string; name: string }; role: VaultRole; limit: number; remaining: number; leaseId: string }
  | { ok: false; code: "unauthorized" | "vault_required" | "vault_not_found" | "no_grant"; actor?: GateActor }
  | {
      ok: false;
      code: "rate_limited" | "too_many_in_flight";
      actor: GateActor;
      vault: { id: string; name: string };
      retryAfterSeconds: number;
      limit: number;
      remaining: number;
    };

export class ActorGate extends DurableObject<Env> {
  #state: ActorState | undefined;
  #loaded = false;
  #lastSeenAt: number | undefined;
  #lastFlushedAt = 0;
  #buckets = new Map<string, Bucket>();
  #vaults = new StaleWhileRevalidate<VaultMeta | null>(VAULT_META_CACHE);
  #leases = 0;

  /** Checks a token hash against the actor's current token; records the actor as seen. */
  async authenticate(key: ActorKey, tokenHash: string): Promise<GateAuthentication> {
    const now = Date.now();
    const state = await this.#current(key, now);
    if (!state || !digestsEqual(state.tokenHash, tokenHash)) return { ok: false };
    this.#seen(state, now);
    return { ok: true, actor: state, lastSeenAt: now };
  }

  /**
   * The proxy's one round trip: token check, the actor's role in the named vault, and one unit
   * of the (actor, vault) budget plus an in-flight slot, released by `release` afterwards.
   * Vault sessions may omit the vault name (it is embedded in the session).
   */
  async admit(key: ActorKey, tokenHash: string, vaultName: string | null): Promise<GateAdmission> {
    const now = Date.now();
    const state = await this.#current(key, now);
    if (!state || !digestsEqual(state.tokenHash, tokenHash)) return { ok: false, code: "unauthorized" };
    this.#seen(state, now);
    const actor: GateActor = { kind: key.kind, id: key.id, companyId: state.companyId, name: state.name };
    const sessionVaultId = key.kind === "vault_session" ? Object.keys(state.grants)[0] : undefined;
    if (!vaultName && !sessionVaultId) return { ok: false, code: "vault_required", actor };
    const vault = await this.#vaultMeta(state.companyId, sessionVaultId ? { id: sessionVaultId } : { name: vaultName ?? "" });
    if (!vault || (vaultName && vault.name !== vaultName)) return { ok: false, code: vault ? "no_grant" : "vault_not_found", actor };
    const role: VaultRole | undefined = state.grants[vault.id] ?? (state.companyRole === "owner" ? "admin" : undefined);
    if (!role) return { ok: false, code: "no_grant", actor };

    const limit = effectiveRateLimit(vault.rateLimit, state.rateLimit);
    let bucket = this.#buckets.get(vault.id);
    if (!bucket) this.#buckets.set(vault.id, (bucket = newBucket(limit, now)));
    const leaseId = String(++this.#leases);
    const decision = admit(bucket, limit, now, leaseId, LEASE_TTL_MS);
    const vaultRef = { id: vault.id, name: vault.name };
    if (!decision.admitted) {
      return { ok: false, code: decision.reason, actor, vault: vaultRef, retryAfterSeconds: decision.retryAfterSeconds, limit: limit.burst, remaining: decision.remaining };
    }
    return { ok: true, actor, vault: vaultRef, role, limit: limit.burst, remaining: decision.remaining, leaseId };
  }

  /** Frees the in-flight slot of a finished request (called after the response body ends). */
  async release(vaultId: string, leaseId: string): Promise<void> {
    const bucket = this.#buckets.get(vaultId);
    if (bucket) release(bucket, leaseId);
  }

  /** Drops the cached state; the next request re-reads D1. */
  async invalidate(): Promise<void> {
    this.#state = undefined;
    this.#loaded = false;
  }

  /** Last time this actor presented a valid token (memory only; D1 lags by up to a minute). */
  async lastSeen(): Promise<number | null> {
    return this.#lastSeenAt ?? null;
  }

  async #current(key: ActorKey, now: number): Promise<ActorState | undefined> {
    if (!this.#loaded || this.#state?.key.id !== key.id) {
      this.#state = await loadActorState(createDatabase(this.env.DB), key, now);
      this.#loaded = true;
    }
    const state = this.#state;
    if (state?.expiresAt != null && state.expiresAt <= now) return undefined;
    return state;
  }

  #vaultMeta(companyId: string, by: { name: string } | { id: string }): Promise<VaultMeta | null> {
    const cacheKey = "name" in by ? `name:${by.name}` : `id:${by.id}`;
    return this.#vaults.get(cacheKey, () => loadVaultMeta(createDatabase(this.env.DB), companyId, by), (p) => this.ctx.waitUntil(p));
  }

  #seen(state: ActorState, now: number): void {
    this.#lastSeenAt = now;
    if (state.key.kind !== "agent" || now - this.#lastFlushedAt < LAST_SEEN_FLUSH_MS) return;
    this.#lastFlushedAt = now;
    this.ctx.waitUntil(writeLastSeen(createDatabase(this.env.DB), state.key.id, now).catch(() => (this.#lastFlushedAt = 0)));
  }
}
