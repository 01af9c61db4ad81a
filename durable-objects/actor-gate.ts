/**
 * One per actor (agent or vault session): the authority on whether its token is still valid,
 * plus its last-seen time (and, in the proxy area, its rate-limit buckets). The edge reaches it
 * by the public id inside the token, so checking a token costs one round trip here and no D1
 * query once the object is warm. Management changes call `invalidate()` after writing D1, so the
 * next request re-reads D1: revocation and rotation take effect at once.
 */
import { DurableObject } from "cloudflare:workers";
import { createDatabase } from "../workers/db/client.ts";
import { loadActorState, writeLastSeen, type ActorKey, type ActorState } from "../workers/db/actor-state.queries.ts";
import type { Env } from "../workers/env.ts";
import { digestsEqual } from "../workers/lib/tokens.ts";

/** Last-seen is written to D1 at most this often per agent. */
export const LAST_SEEN_FLUSH_MS = 60_000;

export type GateAuthentication = { ok: true; actor: ActorState; lastSeenAt: number } | { ok: false };

export class ActorGate extends DurableObject<Env> {
  #state: ActorState | undefined;
  #loaded = false;
  #lastSeenAt: number | undefined;
  #lastFlushedAt = 0;

  /** Checks a token hash against the actor's current token; records the actor as seen. */
  async authenticate(key: ActorKey, tokenHash: string): Promise<GateAuthentication> {
    const now = Date.now();
    const state = await this.#current(key, now);
    if (!state || !digestsEqual(state.tokenHash, tokenHash)) return { ok: false };
    this.#seen(state, now);
    return { ok: true, actor: state, lastSeenAt: now };
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

  #seen(state: ActorState, now: number): void {
    this.#lastSeenAt = now;
    if (state.key.kind !== "agent" || now - this.#lastFlushedAt < LAST_SEEN_FLUSH_MS) return;
    this.#lastFlushedAt = now;
    this.ctx.waitUntil(writeLastSeen(createDatabase(this.env.DB), state.key.id, now).catch(() => (this.#lastFlushedAt = 0)));
  }
}
