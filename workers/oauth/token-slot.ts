/**
 * Which OAuthTokens object holds a service's access token, and what of its configuration that
 * token depends on. One object per credential, not per service: two services that share a refresh
 * token must share its refreshes too, or the first rotation would leave the second holding a
 * refresh token the provider already retired (and a provider that detects reuse then revokes the
 * whole grant). A client-credentials token belongs to its client's secret and the grant's
 * parameters. Pure but for hashing; the proxy and the connect flow name objects the same way.
 */
import type { Env } from "../env.ts";
import { sha256Hex } from "../lib/crypto/tokens.ts";
import { type OAuthAuth, oauthGrantOf } from "../services/oauth-auth.contract.ts";

/** Everything of the auth a token depends on (where it comes from, for whom, with which scopes), as one digest. */
export function grantDigestOf(auth: OAuthAuth): Promise<string> {
  return sha256Hex(
    JSON.stringify([
      auth.token_endpoint,
      auth.client_id,
      oauthGrantOf(auth),
      auth.token_auth ?? "client_secret_post",
      auth.scopes ?? [],
      auth.audience ?? null,
    ]),
  );
}

/**
 * The object's name: `refresh:<KEY>` for a refresh token, `client:<KEY>:<digest>` for a client's
 * own token, inside the vault of the company.
 *
 * @example await tokenSlotOf({ refresh_token_key: "GITHUB_REFRESH", … }) // "refresh:GITHUB_REFRESH"
 */
export async function tokenSlotOf(auth: OAuthAuth): Promise<string> {
  if (oauthGrantOf(auth) === "refresh_token" && auth.refresh_token_key) return `refresh:${auth.refresh_token_key}`;
  return `client:${auth.client_secret_key}:${(await grantDigestOf(auth)).slice(0, 32)}`;
}

export function oauthTokens(env: Pick<Env, "OAUTH_TOKENS">, companyId: string, vaultId: string, slot: string) {
  return env.OAUTH_TOKENS.getByName(`oauth:${companyId}:${vaultId}:${slot}`);
}
