/**
 * Every call the edge makes to a provider's token endpoint, through oauth4webapi (the protocol is
 * not written by hand here): the refresh-token and client-credentials grants of the token broker
 * (durable-objects/oauth-tokens.ts), and the authorization-code exchange that ends a connect
 * (oauth/connect.actions.ts). Each call first holds the endpoint to the upstreams' rules
 * (lib/http/oauth-endpoint.ts), is bounded in time and size, and ends in an outcome that says
 * what happened in the edge's words: the values a provider answered are handed back only where
 * they are used, and no error from here carries a secret (oauth4webapi's own errors hold the
 * response body, tokens and all, so they are never passed on or logged).
 */
import * as oauth from "oauth4webapi";
import { BodyTooLarge, readAtMost } from "../lib/http/bounded-body.ts";
import { parseOAuthEndpoint } from "../lib/http/oauth-endpoint.ts";
import type { OAuthTokenAuth } from "../services/oauth-auth.contract.ts";

/** How long a token endpoint may take to answer, and how much of an answer is read. */
export const TOKEN_ENDPOINT_TIMEOUT_MS = 10_000;
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/**
 * The provider's word that the grant or the client is no good (RFC 6749 §5.2): a person must
 * connect again or fix the client; asking again soon changes nothing.
 */
const DENYING_ERRORS = new Set(["invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "access_denied"]);

export type TokenClient = {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  tokenAuth: OAuthTokenAuth;
  /** Local dev only: plain http to loopback (ALLOW_PRIVATE_UPSTREAMS). */
  allowPrivate: boolean;
  /** The authorization server's issuer, when known (OIDC discovery): an `iss` in a callback must name it. */
  issuer?: string | undefined;
};

export type TokenOutcome =
  | { ok: true; accessToken: string; expiresIn: number | undefined; refreshToken: string | undefined; scope: string | undefined }
  /** The provider refused the grant or the client (its RFC 6749 error code, which holds no secret). */
  | { ok: false; kind: "denied"; error: string }
  /**
   * Anything else: unreachable, too slow, a 5xx, an answer that is not a token response. Our words
   * only. `unusable`: the provider answered a token the edge cannot send (not Bearer, or not a
   * header-safe value): 502 `oauth_token_invalid`, the provider's fault, not a vault's.
   */
  | { ok: false; kind: "failed"; reason: string; unusable?: true };

/** An access token as a header may carry it after `Bearer ` (RFC 6750's b64token is stricter; any visible ASCII is safe). */
const SENDABLE_ACCESS_TOKEN = /^[\x21-\x7e]+$/;

/**
 * A refresh-token grant (RFC 6749 §6). No `scope` is sent: the token keeps what the person
 * consented to, and asking again for a scope the consent did not grant (OpenID's `offline_access`
 * is granted only with a fresh consent) is refused `invalid_scope` by a conforming provider.
 */
export function refreshTokenGrant(client: TokenClient, refreshToken: string): Promise<TokenOutcome> {
  return exchange(client, async (as, c, auth, options) =>
    oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, refreshToken, options)),
  );
}

/** A client-credentials grant (RFC 6749 §4.4), with `scope` and `audience` when the service names them. */
export function clientCredentialsGrant(
  client: TokenClient,
  parameters: { scopes?: readonly string[] | undefined; audience?: string | undefined },
): Promise<TokenOutcome> {
  const extra = scopeParameters(parameters.scopes);
  if (parameters.audience) extra.audience = parameters.audience;
  return exchange(client, async (as, c, auth, options) =>
    oauth.processClientCredentialsResponse(as, c, await oauth.clientCredentialsGrantRequest(as, c, auth, extra, options)),
  );
}

/**
 * The end of an authorization-code flow (RFC 6749 §4.1, PKCE RFC 7636): the callback's parameters
 * checked against the `state` this connect sent (and `iss` against the issuer, RFC 9207, when it is
 * known), then the code exchanged with the verifier only this connect holds. A callback that fails
 * its checks is `denied` with `state_mismatch`, `issuer_mismatch` or the error the provider sent back.
 */
export function authorizationCodeGrant(
  client: TokenClient,
  callback: { parameters: URLSearchParams; state: string; redirectUri: string; codeVerifier: string },
): Promise<TokenOutcome> {
  return exchange(client, async (as, c, auth, options) => {
    let checked: URLSearchParams;
    try {
      checked = oauth.validateAuthResponse(as, c, callback.parameters, callback.state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) throw new CallbackRefused(error.error);
      const message = error instanceof Error ? error.message : "";
      throw new CallbackRefused(message.includes('"iss"') ? "issuer_mismatch" : "state_mismatch");
    }
    return oauth.processAuthorizationCodeResponse(
      as,
      c,
      await oauth.authorizationCodeGrantRequest(as, c, auth, checked, callback.redirectUri, callback.codeVerifier, options),
    );
  });
}

/** The callback itself was refused before any call: its `error` names why. */
class CallbackRefused extends Error {
  constructor(readonly error: string) {
    super(error);
  }
}

type Exchange = (
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  options: oauth.TokenEndpointRequestOptions,
) => Promise<oauth.TokenEndpointResponse>;

async function exchange(client: TokenClient, run: Exchange): Promise<TokenOutcome> {
  let endpoint: string;
  try {
    endpoint = parseOAuthEndpoint(client.tokenEndpoint, "token endpoint", { allowPrivate: client.allowPrivate });
  } catch {
    return { ok: false, kind: "failed", reason: "the token endpoint is not one the edge may call (https, a public host)" };
  }
  const url = new URL(endpoint);
  const as: oauth.AuthorizationServer = {
    issuer: client.issuer ?? url.origin,
    token_endpoint: endpoint,
    ...(client.issuer ? { authorization_response_iss_parameter_supported: true } : {}),
  };
  const auth = client.tokenAuth === "client_secret_basic" ? oauth.ClientSecretBasic(client.clientSecret) : oauth.ClientSecretPost(client.clientSecret);
  const options: oauth.TokenEndpointRequestOptions = {
    [oauth.customFetch]: boundedFetch,
    [oauth.allowInsecureRequests]: client.allowPrivate && url.protocol === "http:",
    signal: AbortSignal.timeout(TOKEN_ENDPOINT_TIMEOUT_MS),
  };
  try {
    const answer = await run(as, { client_id: client.clientId }, auth, options);
    // oauth4webapi lowercases it and lets `dpop` through: a DPoP-bound token sent as Bearer would be refused upstream, or worse, accepted unbound.
    if (answer.token_type !== "bearer")
      return {
        ok: false,
        kind: "failed",
        reason: `the token endpoint issued a ${safeCode(answer.token_type)} token; the edge sends Bearer tokens only`,
        unusable: true,
      };
    if (!SENDABLE_ACCESS_TOKEN.test(answer.access_token))
      return { ok: false, kind: "failed", reason: "the access token the token endpoint issued holds characters no HTTP header may carry", unusable: true };
    return {
      ok: true,
      accessToken: answer.access_token,
      expiresIn: typeof answer.expires_in === "number" ? answer.expires_in : undefined,
      refreshToken: typeof answer.refresh_token === "string" && answer.refresh_token ? answer.refresh_token : undefined,
      scope: typeof answer.scope === "string" ? answer.scope : undefined,
    };
  } catch (error) {
    return refusalOf(error);
  }
}

/** What went wrong, in the edge's words: an OAuth error code the provider sent, or a reason of ours. Never the error itself. */
function refusalOf(error: unknown): TokenOutcome & { ok: false } {
  if (error instanceof CallbackRefused) return { ok: false, kind: "denied", error: safeCode(error.error) };
  if (error instanceof oauth.ResponseBodyError) {
    const code = safeCode(error.error);
    if (DENYING_ERRORS.has(code)) return { ok: false, kind: "denied", error: code };
    return { ok: false, kind: "failed", reason: `the token endpoint answered ${error.status} ${code}` };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) return { ok: false, kind: "denied", error: "invalid_client" };
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return { ok: false, kind: "failed", reason: `the token endpoint did not answer within ${TOKEN_ENDPOINT_TIMEOUT_MS / 1000} s` };
  if (error instanceof TypeError) return { ok: false, kind: "failed", reason: "the token endpoint could not be reached" };
  if (error instanceof TooLarge) return { ok: false, kind: "failed", reason: `the token endpoint's answer is over ${MAX_TOKEN_RESPONSE_BYTES} bytes` };
  return { ok: false, kind: "failed", reason: "the token endpoint's answer is not a token response" };
}

/** An OAuth error code as it may be shown and logged: RFC 6749 error codes are short printable ASCII. */
function safeCode(code: string): string {
  return /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(code) ? code : "unrecognised_error";
}

const scopeParameters = (scopes: readonly string[] | undefined): Record<string, string> => (scopes?.length ? { scope: scopes.join(" ") } : {});

class TooLarge extends Error {}

/**
 * `fetch` for oauth4webapi: redirects are never followed (a token endpoint that redirects could
 * carry the client secret elsewhere), the answer is read up to 64 KiB, and an `id_token` is dropped
 * before it is processed — the broker uses access and refresh tokens only and keeps no identity
 * token (an ID token's issuer is the provider's, not the token endpoint's origin, so it would fail
 * a check the edge has no use for).
 */
async function boundedFetch(url: string, init: oauth.CustomFetchOptions<string, unknown>): Promise<Response> {
  const response = await fetch(url, {
    method: init.method,
    headers: init.headers,
    body: init.body as BodyInit | null,
    redirect: "manual",
    signal: init.signal,
  });
  let bytes: Uint8Array;
  try {
    bytes = await readAtMost(response.body, MAX_TOKEN_RESPONSE_BYTES, response.headers.get("content-length"));
  } catch (error) {
    throw error instanceof BodyTooLarge ? new TooLarge() : error;
  }
  let body: BodyInit = bytes;
  if ((response.headers.get("content-type") ?? "").includes("json")) {
    try {
      const json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      if (json && typeof json === "object" && "id_token" in json) {
        delete json.id_token;
        body = JSON.stringify(json);
      }
    } catch {
      // Not JSON after all: oauth4webapi says so in its own way.
    }
  }
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, statusText: response.statusText, headers });
}
