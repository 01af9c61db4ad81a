/**
 * One per OAuth credential (workers/oauth/token-slot.ts: a refresh token, or a client's secret and
 * its grant): the one place its access token is obtained, whichever isolate asks. Every request
 * that finds no usable token in its isolate asks here (proxy/oauth-access.ts), so 50 cold requests
 * on as many isolates make one call to the token endpoint, not 50: the first starts the refresh and
 * the others wait on it (`#refreshing`).
 *
 * The access token is kept here sealed under the company's data key (and opened once per instance).
 * It is used until `expires_in − 60 s`; the first request in its last quarter starts the next
 * refresh in the background, and the proxy asks for that one in the background too, so warm
 * requests never wait on the provider.
 *
 * A rotated refresh token is never lost, and one the provider already retired is never the only one
 * kept: the answer's new refresh token is written to this object's storage first (write-ahead),
 * then over the old one in D1 (guarded on it still being the old one), and only then is the new
 * access token handed out. Should D1 fail between the two, the newer token waits here (`pending`)
 * and is the one the next refresh uses while D1 still holds the old; every later ask stores it
 * first. A provider that refuses (`invalid_grant`, a revoked client) is not asked again before its
 * backoff ends, and its refusal is audited once, when it starts. An upstream's 401 makes it refresh
 * at most once per 30 s (REJECTED_REFRESH_GAP_MS); a 401 sooner is the agent's.
 *
 * A value it never saw in the proxy's copy of the vault means a person wrote one (a reconnect, a
 * new client secret, new scopes): what was obtained with the old ones is dropped (`#reconcile`).
 *
 * A refresh token is bound to the token endpoint and client it is first sent to (`boundTo`): a
 * service naming the same key with another token endpoint or client is refused before anything is
 * sent or changed here (`#boundElsewhere`), so a rogue endpoint never receives the token, never
 * rotates it over the vault's, and never backs off the service it belongs to. A refresh token a
 * person stores (a connect) starts over, bound where it is first redeemed.
 */
import { DurableObject } from "cloudflare:workers";
import { sealChains } from "../workers/chain/chain-sealer-client.ts";
import { configOf } from "../workers/config.ts";
import { createDatabase, type Database } from "../workers/db/client.ts";
import { companyDataKey } from "../workers/db/data-keys.ts";
import type { Env } from "../workers/env.ts";
import { associatedData, openText, sealText } from "../workers/lib/crypto/crypto-envelope.ts";
import { sha256Hex } from "../workers/lib/crypto/tokens.ts";
import { credentialKeysOf } from "../workers/lib/http/inject-auth.ts";
import { clientCredentialsGrant, refreshTokenGrant, type TokenOutcome } from "../workers/oauth/token-endpoint.ts";
import { grantDigestOf, tokenSlotOf } from "../workers/oauth/token-slot.ts";
import { backoffMs, DENIED_BACKOFF_MS, FAILED_BACKOFF_MS, REJECTED_REFRESH_GAP_MS, tokenLifetime } from "../workers/oauth/token-timing.ts";
import { oauthGrantOf } from "../workers/services/oauth-auth.contract.ts";
import type { OAuthTokensRpc, TokenAnswer, TokenAsk } from "./oauth-tokens.rpc.ts";
import { recordRefreshDenied, sealedCredentialsOf, storeRotatedRefreshToken } from "./oauth-tokens.queries.ts";

const STATE = "state";
/** Refresh tokens this object read from D1 or wrote there, newest last: a proxy's copy may hold any of them for a few seconds. */
const LINEAGE_KEPT = 8;
/** A service refused for naming another token endpoint is told to come back no sooner than this: nothing changes by itself. */
const BOUND_ELSEWHERE_RETRY_MS = 60_000;

/** An access token, sealed, and when it is used until and refreshed from. */
type Held = { sealed: string; usableUntil: number; refreshFrom: number };
/** A rotated refresh token not yet in D1 (sealed as its credential row), the D1 value it replaces, and the access token that came with it. */
type Pending = { sealed: string; replaces: string; access?: Held };
type Refusal =
  | { kind: "denied"; error: string; attempts: number; retryAt: number }
  | { kind: "failed"; reason: string; attempts: number; retryAt: number; unusable?: true };

type TokenState = {
  /** The digest of what the token depends on (endpoint, client, grant, scopes, audience): grantDigestOf. */
  grant: string;
  /** The client secret's sealed value the token was obtained with. */
  clientSecret: string | null;
  lineage: string[];
  /** The token endpoint and client the refresh token (this lineage) was first sent to: the only ones it is sent to. */
  boundTo?: { tokenEndpoint: string; clientId: string };
  access?: Held;
  pending?: Pending;
  refusal?: Refusal;
  /** When an upstream's 401 last made this object refresh: at most one such refresh per REJECTED_REFRESH_GAP_MS. */
  rejectedRefreshAt?: number;
};

type Failure = Extract<TokenAnswer, { ok: false }>;

export class OAuthTokens extends DurableObject<Env> implements OAuthTokensRpc {
  #state: TokenState | undefined;
  /** The access token in the clear, for the sealed value it belongs to: opened once per instance. */
  #plain: { sealed: string; token: string } | undefined;
  #refreshing: Promise<TokenAnswer> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#state = await ctx.storage.get<TokenState>(STATE);
    });
  }

  async token(ask: TokenAsk): Promise<TokenAnswer> {
    const elsewhere = await this.#boundElsewhere(ask);
    if (elsewhere) return elsewhere;
    const state = await this.#reconcile(ask);
    const now = Date.now();
    if (state.pending) {
      const unsynced = await this.#sync(ask, state, now);
      if (unsynced) return unsynced;
    }
    const access = state.access;
    let rejected = ask.need.kind === "rejected" && access !== undefined && (await sha256Hex(await this.#open(ask, access))) === ask.need.sha256;
    if (rejected) {
      // An upstream that always answers 401 gets one refresh per window, not one per request: the token stands, the 401 is the agent's.
      if (state.rejectedRefreshAt !== undefined && now - state.rejectedRefreshAt < REJECTED_REFRESH_GAP_MS) rejected = false;
      else {
        state.rejectedRefreshAt = now;
        await this.#save();
      }
    }
    const refusing = state.refusal !== undefined && now < state.refusal.retryAt;
    if (access && now < access.usableUntil && !rejected) {
      if (now >= access.refreshFrom && !refusing) {
        if (ask.need.kind === "fresh") return this.#refresh(ask);
        this.ctx.waitUntil(this.#refresh(ask));
      }
      return { ok: true, accessToken: await this.#open(ask, access), usableUntil: access.usableUntil, refreshFrom: access.refreshFrom };
    }
    if (refusing && state.refusal) return answerOf(state.refusal);
    return this.#refresh(ask);
  }

  /**
   * This object's state, squared with what the asking proxy's copy says: a new grant digest drops
   * the token; a client secret or a refresh token this object never saw is checked against D1, and
   * one a person wrote there starts over.
   */
  async #reconcile(ask: TokenAsk): Promise<TokenState> {
    const grant = await grantDigestOf(ask.auth);
    // One object for the instance's life, changed in place: a refresh in flight writes into the state that is saved.
    this.#state ??= { grant, clientSecret: null, lineage: [] };
    const state = this.#state;
    let changed = false;
    const forget = (...fields: ("access" | "refusal" | "pending" | "rejectedRefreshAt")[]) => {
      for (const field of fields) delete state[field];
      changed = true;
    };
    if (state.grant !== grant) {
      state.grant = grant;
      forget("access", "refusal");
    }
    const refreshKey = oauthGrantOf(ask.auth) === "refresh_token" ? ask.auth.refresh_token_key : undefined;
    const knownRefresh = (sealed: string | null) => sealed === null || state.lineage.includes(sealed) || sealed === state.pending?.sealed;
    if (ask.basis.clientSecret !== state.clientSecret || (refreshKey && !knownRefresh(ask.basis.refreshToken))) {
      const stored = await sealedCredentialsOf(this.#db(), ask.companyId, ask.vault.id, credentialKeysOf(ask.auth));
      const secret = stored.get(ask.auth.client_secret_key) ?? null;
      if (secret !== state.clientSecret) {
        state.clientSecret = secret;
        forget("access", "refusal", "rejectedRefreshAt");
      }
      const refresh = refreshKey ? (stored.get(refreshKey) ?? null) : null;
      if (refresh !== null && !knownRefresh(refresh)) {
        // A refresh token this object neither read nor wrote: a person stored it (a connect). The old grant is over, and its binding.
        state.lineage = [refresh];
        delete state.boundTo;
        forget("access", "refusal", "pending", "rejectedRefreshAt");
      }
    }
    if (changed) await this.#save();
    return state;
  }

  /**
   * A refusal when the refresh token is bound to another token endpoint or client than `ask`'s —
   * unless the vault holds a refresh token this object never saw (a person connected again), which
   * starts over. Nothing of this object's state changes: the service the token belongs to keeps
   * its access token, its rotation and its backoff.
   */
  async #boundElsewhere(ask: TokenAsk): Promise<Failure | undefined> {
    const state = this.#state;
    const bound = state?.boundTo;
    const key = oauthGrantOf(ask.auth) === "refresh_token" ? ask.auth.refresh_token_key : undefined;
    if (!state || !bound || !key || (bound.tokenEndpoint === ask.auth.token_endpoint && bound.clientId === ask.auth.client_id)) return undefined;
    const inD1 = (await sealedCredentialsOf(this.#db(), ask.companyId, ask.vault.id, [key])).get(key) ?? null;
    if (inD1 !== null && !state.lineage.includes(inD1) && inD1 !== state.pending?.sealed) return undefined;
    return {
      ok: false,
      refusal: "failed",
      reason: `the refresh token "${key}" is sent only to the token endpoint and client it was first used with, and service "${ask.service}" names another; connect the service's account to give it a refresh token of its own, under another key`,
      retryAt: Date.now() + BOUND_ELSEWHERE_RETRY_MS,
    };
  }

  /** Obtains a token; requests arriving meanwhile wait on the same one. */
  #refresh(ask: TokenAsk): Promise<TokenAnswer> {
    // Bound before the first await: a request for another endpoint arriving meanwhile is refused, not joined.
    if (this.#state && !this.#state.boundTo && oauthGrantOf(ask.auth) === "refresh_token")
      this.#state.boundTo = { tokenEndpoint: ask.auth.token_endpoint, clientId: ask.auth.client_id };
    this.#refreshing ??= this.#obtain(ask).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #obtain(ask: TokenAsk, again = false): Promise<TokenAnswer> {
    const state = await this.#reconcile(ask);
    const db = this.#db();
    const { companyId } = ask;
    const vaultId = ask.vault.id;
    const stored = await sealedCredentialsOf(db, companyId, vaultId, credentialKeysOf(ask.auth));
    const secretSealed = stored.get(ask.auth.client_secret_key);
    if (!secretSealed) return { ok: false, refusal: "missing", key: ask.auth.client_secret_key };
    const dataKey = await companyDataKey(db, this.env, companyId);
    const client = {
      tokenEndpoint: ask.auth.token_endpoint,
      clientId: ask.auth.client_id,
      clientSecret: await openText(dataKey, secretSealed, associatedData.credential(companyId, vaultId, ask.auth.client_secret_key)),
      tokenAuth: ask.auth.token_auth ?? "client_secret_post",
      allowPrivate: configOf(this.env).allowPrivateUpstreams,
    };

    let outcome: TokenOutcome;
    let rotation: { key: string; used: string; replaces: string } | undefined;
    const refreshKey = oauthGrantOf(ask.auth) === "refresh_token" ? ask.auth.refresh_token_key : undefined;
    if (refreshKey) {
      const inD1 = stored.get(refreshKey);
      if (state.pending && state.pending.replaces !== inD1) delete state.pending;
      // D1 behind this object (a rotation not stored yet): the newest refresh token is the pending one.
      const used = state.pending?.sealed ?? inD1;
      if (!used || !inD1) return { ok: false, refusal: "missing", key: refreshKey };
      const refreshToken = await openText(dataKey, used, associatedData.credential(companyId, vaultId, refreshKey));
      outcome = await refreshTokenGrant(client, refreshToken);
      rotation = outcome.ok && outcome.refreshToken && outcome.refreshToken !== refreshToken ? { key: refreshKey, used, replaces: inD1 } : undefined;
    } else {
      outcome = await clientCredentialsGrant(client, { scopes: ask.auth.scopes, audience: ask.auth.audience });
    }
    const now = Date.now();
    if (!outcome.ok) return this.#refused(ask, state, outcome, now);

    const life = tokenLifetime(now, outcome.expiresIn);
    const slot = await tokenSlotOf(ask.auth);
    const held: Held = { sealed: await sealText(dataKey, outcome.accessToken, associatedData.oauthAccessToken(companyId, vaultId, slot)), ...life };
    state.refusal = undefined;
    state.clientSecret = secretSealed;
    if (rotation && outcome.refreshToken) {
      const next = await sealText(dataKey, outcome.refreshToken, associatedData.credential(companyId, vaultId, rotation.key));
      // Write-ahead: the rotated token is durable here before D1 is touched and before its access token is used.
      state.pending = { sealed: next, replaces: rotation.replaces, access: held };
      state.access = undefined;
      await this.#save();
      const unsynced = await this.#sync(ask, state, now);
      if (unsynced) return unsynced;
      // A person stored another refresh token meanwhile: theirs stands, and the grant this one came from is over.
      if (!state.access)
        return again ? { ok: false, refusal: "failed", reason: "the account was connected again meanwhile; try again", retryAt: now } : this.#obtain(ask, true);
    } else {
      state.access = held;
      await this.#save();
    }
    this.#plain = { sealed: held.sealed, token: outcome.accessToken };
    return { ok: true, accessToken: outcome.accessToken, ...life };
  }

  /**
   * Stores a pending rotation in D1 over the value it replaces. Undefined when done (the token that
   * came with it is now `access`), or when a person's write won (the rotation is dropped); a failure
   * answer when D1 could not be written, and the rotation stays pending for the next ask.
   */
  async #sync(ask: TokenAsk, state: TokenState, now: number): Promise<Failure | undefined> {
    const pending = state.pending;
    const key = ask.auth.refresh_token_key;
    if (!pending || !key) return undefined;
    const where = { companyId: ask.companyId, vaultId: ask.vault.id, key };
    try {
      let landed = await storeRotatedRefreshToken(this.#db(), where, pending.sealed, pending.replaces, now);
      if (!landed) {
        const inD1 = (await sealedCredentialsOf(this.#db(), ask.companyId, ask.vault.id, [key])).get(key) ?? null;
        // An earlier attempt landed before this object could note it.
        landed = inD1 === pending.sealed;
        if (!landed) {
          state.pending = undefined;
          state.access = undefined;
          state.lineage = inD1 ? [inD1] : [];
        }
      }
      if (landed) {
        state.lineage = [...state.lineage.filter((s) => s !== pending.sealed), pending.sealed].slice(-LINEAGE_KEPT);
        if (pending.access) state.access = pending.access;
        state.pending = undefined;
      }
      await this.#save();
      return undefined;
    } catch (error) {
      console.warn(
        JSON.stringify({ level: "warn", code: "oauth_rotation_unstored", vault: ask.vault.id, reason: error instanceof Error ? error.name : "unknown" }),
      );
      return {
        ok: false,
        refusal: "failed",
        reason: "the refresh token the provider rotated to could not be stored yet; it is kept and stored on the next request",
        retryAt: now + 1000,
      };
    }
  }

  /** A refusal: backed off (so it costs no token call per request), and audited once when the provider starts refusing. */
  async #refused(ask: TokenAsk, state: TokenState, outcome: Extract<TokenOutcome, { ok: false }>, now: number): Promise<TokenAnswer> {
    const previous = state.refusal;
    if (outcome.kind === "denied") {
      const attempts = previous?.kind === "denied" ? previous.attempts + 1 : 1;
      state.refusal = { kind: "denied", error: outcome.error, attempts, retryAt: now + backoffMs(DENIED_BACKOFF_MS, attempts) };
      // A refused grant's token is not handed out any longer: the provider revoked it, or will.
      state.access = undefined;
      if (previous?.kind !== "denied") await this.#auditDenial(ask, outcome.error, state.refusal.retryAt, now);
    } else {
      const attempts = previous?.kind === "failed" ? previous.attempts + 1 : 1;
      state.refusal = {
        kind: "failed",
        reason: outcome.reason,
        attempts,
        retryAt: now + backoffMs(FAILED_BACKOFF_MS, attempts),
        ...(outcome.unusable ? { unusable: true as const } : {}),
      };
    }
    await this.#save();
    return answerOf(state.refusal);
  }

  async #auditDenial(ask: TokenAsk, error: string, retryAt: number, now: number): Promise<void> {
    try {
      await recordRefreshDenied(
        this.#db(),
        ask.companyId,
        { vault: ask.vault.name, vaultId: ask.vault.id, service: ask.service, error, retry_at: new Date(retryAt).toISOString() },
        now,
      );
      await sealChains(this.env, [ask.companyId]);
    } catch (cause) {
      console.warn(
        JSON.stringify({ level: "warn", code: "oauth_denial_unaudited", vault: ask.vault.id, reason: cause instanceof Error ? cause.name : "unknown" }),
      );
    }
  }

  async #open(ask: TokenAsk, access: Held): Promise<string> {
    if (this.#plain?.sealed === access.sealed) return this.#plain.token;
    const dataKey = await companyDataKey(this.#db(), this.env, ask.companyId);
    const token = await openText(dataKey, access.sealed, associatedData.oauthAccessToken(ask.companyId, ask.vault.id, await tokenSlotOf(ask.auth)));
    this.#plain = { sealed: access.sealed, token };
    return token;
  }

  async #save(): Promise<void> {
    if (this.#state) await this.ctx.storage.put(STATE, this.#state);
  }

  #db(): Database {
    return createDatabase(this.env.DB);
  }
}

function answerOf(refusal: Refusal): Failure {
  return refusal.kind === "denied"
    ? { ok: false, refusal: "denied", error: refusal.error, retryAt: refusal.retryAt }
    : { ok: false, refusal: "failed", reason: refusal.reason, retryAt: refusal.retryAt, ...(refusal.unusable ? { unusable: true as const } : {}) };
}
