/**
 * What the Worker may ask an OAuthTokens object (durable-objects/oauth-tokens.ts implements it),
 * and the values that cross: `Env` types its namespace with this interface, not the class.
 */
import type { OAuthAuth } from "../workers/services/oauth-auth.contract.ts";

/**
 * What the proxy's copy of the vault says the service's credentials are: their sealed values as
 * that copy holds them (ciphertexts, which change with every write). A value this object never
 * saw means a person wrote a new one (a reconnect, a new client secret): the token obtained with
 * the old one is dropped.
 */
export type TokenBasis = { clientSecret: string | null; refreshToken: string | null };

/**
 * `current`: a usable token, refreshed in the background when it nears its end; `fresh`: the same,
 * but wait for that refresh (the proxy asks so in the background itself); `rejected`: the upstream
 * answered 401 to the token with this SHA-256 (hex): refresh unless it was refreshed already.
 */
export type TokenNeed = { kind: "current" } | { kind: "fresh" } | { kind: "rejected"; sha256: string };

export type TokenAsk = {
  companyId: string;
  vault: { id: string; name: string };
  /** The service asking (named in the audit row of a refusal); services sharing a credential share its object. */
  service: string;
  auth: OAuthAuth;
  basis: TokenBasis;
  need: TokenNeed;
};

export type TokenAnswer =
  | { ok: true; accessToken: string; usableUntil: number; refreshFrom: number }
  /** A credential the grant needs is not in the vault (502 credential_not_found). */
  | { ok: false; refusal: "missing"; key: string }
  /** The provider refused the grant or the client: not asked again before `retryAt` (502 oauth_refresh_denied). */
  | { ok: false; refusal: "denied"; error: string; retryAt: number }
  /** Anything else on the way, in the edge's words (502 oauth_refresh_failed; `unusable`: the provider's token cannot be sent, 502 oauth_token_invalid). */
  | { ok: false; refusal: "failed"; reason: string; retryAt: number; unusable?: true };

/** One per credential (a refresh token, or a client's secret and its grant's parameters): the one place its access token is obtained. */
export interface OAuthTokensRpc extends Rpc.DurableObjectBranded {
  token(ask: TokenAsk): Promise<TokenAnswer>;
}
