/**
 * The OpenID Connect relying party, every protocol step by oauth4webapi: discovery, the
 * authorization request's random state, nonce and PKCE (S256) verifier, the callback's checks
 * (state, RFC 9207 `iss`, error answers), the code exchange, the ID token's validation (issuer,
 * audience, nonce, expiry — and its signature against the provider's JWKS, which the code flow
 * would let us skip over TLS; we check it anyway) and userinfo for the claims an ID token may
 * leave out. Nothing here reads D1 or knows a company: sso-flow.actions.ts does.
 *
 * What a provider answers is cached per isolate: its discovery document for DISCOVERY_TTL_MS (an
 * issuer's endpoints rarely move; setting a company's provider reads it afresh) and its JWKS as
 * oauth4webapi keeps it (refetched when a token names a key it lacks).
 */
import * as oauth from "oauth4webapi";
import { AppError } from "../lib/app-error.ts";
import { printable } from "../lib/http/ssrf.ts";
import { isPlainLoopback, providerFetch, providerUrl, tooLargeAnswer } from "./provider-url.ts";
import { BASE_SSO_SCOPES } from "./sso.contract.ts";

export const DISCOVERY_TTL_MS = 5 * 60 * 1000;

export type ProviderClient = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  tokenAuth: "client_secret_basic" | "client_secret_post";
};

/** What a browser must carry back to finish: kept sealed in its cookie (sso-flow-cookie.ts). */
export type AuthorizationSecrets = { state: string; nonce: string; verifier: string };

/** Who the provider says signed in, as the claims arrived (the ID token's, then userinfo's for what it lacked). */
export type ProviderIdentity = { sub: string; claims: Record<string, unknown> };

const discovered = new Map<string, { server: oauth.AuthorizationServer; at: number }>();
const jwksCaches = new Map<string, oauth.JWKSCacheInput>();

function httpOptions(issuer: URL, allowPrivate: boolean) {
  return {
    [oauth.customFetch]: providerFetch(allowPrivate),
    // oauth4webapi refuses plain http unless told; providerUrl allowed it only for loopback in dev.
    ...(isPlainLoopback(issuer) ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

/** The issuer as a URL the edge may reach: 400 `invalid_sso_issuer` otherwise. */
export function issuerUrl(issuer: string, allowPrivate: boolean): URL {
  const verdict = providerUrl(issuer, allowPrivate);
  if (!verdict.ok) throw new AppError(400, "invalid_sso_issuer", `The issuer ${verdict.reason}`);
  if (verdict.url.search || verdict.url.hash) throw new AppError(400, "invalid_sso_issuer", "The issuer must not carry a query or a fragment");
  return verdict.url;
}

/**
 * The provider's metadata (OpenID Connect Discovery), checked to name this very issuer and to
 * have the endpoints a sign-in needs, each one the edge may reach. `fresh` skips the cache.
 */
export async function discover(issuer: string, allowPrivate: boolean, fresh = false): Promise<oauth.AuthorizationServer> {
  const cached = discovered.get(issuer);
  if (!fresh && cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.server;
  const url = issuerUrl(issuer, allowPrivate);
  let server: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(url, { algorithm: "oidc", ...httpOptions(url, allowPrivate) });
    server = await oauth.processDiscoveryResponse(url, response);
  } catch (cause) {
    throw (
      tooLargeAnswer(cause, `The provider's discovery document at ${printable(issuer)}`) ??
      new AppError(400, "sso_discovery_failed", `Could not read the provider's discovery document at ${printable(issuer)}: ${reasonOf(cause)}`, { cause })
    );
  }
  for (const [name, value] of [
    ["authorization_endpoint", server.authorization_endpoint],
    ["token_endpoint", server.token_endpoint],
    ["jwks_uri", server.jwks_uri],
  ] as const) {
    if (!value) throw new AppError(400, "sso_discovery_failed", `The provider's discovery document names no ${name}`);
    const verdict = providerUrl(value, allowPrivate);
    if (!verdict.ok) throw new AppError(400, "sso_discovery_failed", `The provider's ${name} ${verdict.reason}`);
  }
  discovered.set(issuer, { server, at: Date.now() });
  return server;
}

/** A new authorization request: the URL to send the browser to, and the secrets its callback must match. */
export async function authorizationRequest(
  server: oauth.AuthorizationServer,
  options: { clientId: string; redirectUri: string; scopes: readonly string[] },
): Promise<{ url: string; secrets: AuthorizationSecrets }> {
  const secrets = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), verifier: oauth.generateRandomCodeVerifier() };
  const url = new URL(server.authorization_endpoint ?? "");
  const scopes = [...new Set([...BASE_SSO_SCOPES, ...options.scopes])];
  url.searchParams.set("client_id", options.clientId);
  url.searchParams.set("redirect_uri", options.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", scopes.join(" "));
  url.searchParams.set("state", secrets.state);
  url.searchParams.set("nonce", secrets.nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(secrets.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  return { url: url.href, secrets };
}

/**
 * Finishes a sign-in from its callback URL: the answer must be the one this browser's request
 * started (state, issuer), the code is exchanged with the PKCE verifier, the ID token must be for
 * this client from this issuer with this nonce, unexpired and signed by a key of the provider's
 * JWKS. Refusals: 403 `sso_provider_refused` when the provider said no, 400 `sso_flow_invalid`
 * when a check failed (a tampered or replayed answer), 502 when the provider could not be reached.
 */
export async function completeAuthorization(
  server: oauth.AuthorizationServer,
  provider: ProviderClient,
  options: { redirectUri: string; callback: URL; secrets: AuthorizationSecrets; allowPrivate: boolean },
): Promise<ProviderIdentity> {
  const client: oauth.Client = { client_id: provider.clientId };
  const auth = provider.tokenAuth === "client_secret_post" ? oauth.ClientSecretPost(provider.clientSecret) : oauth.ClientSecretBasic(provider.clientSecret);
  const http = httpOptions(new URL(server.issuer), options.allowPrivate);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(server, client, options.callback.searchParams, options.secrets.state);
  } catch (cause) {
    if (cause instanceof oauth.AuthorizationResponseError)
      throw new AppError(403, "sso_provider_refused", `Your identity provider did not sign you in (${printable(cause.error)})`, { cause });
    throw flowInvalid(cause);
  }
  let tokens: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.authorizationCodeGrantRequest(server, client, auth, params, options.redirectUri, options.secrets.verifier, http);
    tokens = await oauth.processAuthorizationCodeResponse(server, client, response, { expectedNonce: options.secrets.nonce, requireIdToken: true });
    await oauth.validateApplicationLevelSignature(server, response, { ...http, [oauth.jwksCache]: jwksCacheOf(server.issuer) });
  } catch (cause) {
    const tooLarge = tooLargeAnswer(cause, "Your identity provider's answer (token or keys)");
    if (tooLarge) throw tooLarge;
    if (cause instanceof oauth.ResponseBodyError) throw flowInvalid(cause, `the provider refused the code (${printable(cause.error)})`);
    if (cause instanceof oauth.OperationProcessingError || cause instanceof oauth.UnsupportedOperationError) throw flowInvalid(cause);
    throw unreachable(cause);
  }
  const idToken = oauth.getValidatedIdTokenClaims(tokens);
  if (!idToken) throw flowInvalid(undefined, "the provider sent no ID token");
  const claims: Record<string, unknown> = { ...idToken };
  // A conforming provider may keep e-mail and groups out of the ID token: userinfo has them, for the same subject.
  if (server.userinfo_endpoint && (claims.email === undefined || claims.groups === undefined)) {
    try {
      const response = await oauth.userInfoRequest(server, client, tokens.access_token, http);
      const info = await oauth.processUserInfoResponse(server, client, idToken.sub, response);
      for (const [name, value] of Object.entries(info)) if (claims[name] === undefined) claims[name] = value;
    } catch (cause) {
      const tooLarge = tooLargeAnswer(cause, "Your identity provider's userinfo");
      if (tooLarge) throw tooLarge;
      if (cause instanceof oauth.OperationProcessingError || cause instanceof oauth.ResponseBodyError)
        throw flowInvalid(cause, "the provider's userinfo failed its checks");
      throw unreachable(cause);
    }
  }
  return { sub: idToken.sub, claims };
}

function jwksCacheOf(issuer: string): oauth.JWKSCacheInput {
  let cache = jwksCaches.get(issuer);
  if (!cache) {
    cache = {};
    jwksCaches.set(issuer, cache);
  }
  return cache;
}

const flowInvalid = (cause: unknown, why = reasonOf(cause)) =>
  new AppError(400, "sso_flow_invalid", `This sign-in could not be completed: ${why}. Start again from the sign-in page.`, { cause });

const unreachable = (cause: unknown) =>
  new AppError(502, "sso_provider_refused", "Your identity provider could not be reached; try again in a moment", { cause });

/** oauth4webapi's messages name the check that failed ("unexpected JWT \"nonce\" (nonce) claim value"), never a value. */
function reasonOf(cause: unknown): string {
  return cause instanceof Error ? printable(cause.message) : "unknown error";
}
