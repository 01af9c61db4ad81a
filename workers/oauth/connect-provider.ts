/**
 * Which provider a connect sends the person to, and the authorization request itself, by
 * oauth4webapi (PKCE S256 verifier and challenge, a random `state`; discovery for a custom
 * provider). The provider is a template of the catalog, or custom by its authorization endpoint or
 * its OpenID Connect discovery URL; either way its token endpoint must be the service's own, since
 * the refresh token it hands out is redeemed there. Every endpoint passes the upstreams' rules
 * (lib/http/oauth-endpoint.ts). No D1, no company: connect.actions.ts does that.
 */
import * as oauth from "oauth4webapi";
import { AppError } from "../lib/app-error.ts";
import { parseOAuthEndpoint } from "../lib/http/oauth-endpoint.ts";
import { printable } from "../lib/http/ssrf.ts";
import type { OAuthAuth } from "../services/oauth-auth.contract.ts";
import { isPlainLoopback, providerFetch, tooLargeAnswer } from "../sso/provider-url.ts";
import type { CreateConnectionBody } from "./oauth-connect.contract.ts";
import { templateById, templateForTokenEndpoint } from "./provider-catalog.contract.ts";

export type ConnectProvider = {
  /** The template's id, or `custom`. */
  id: string;
  name: string;
  authorizationEndpoint: string;
  /** Known from discovery only: then the callback's `iss` must be it (RFC 9207). */
  issuer: string | null;
  defaultScopes: readonly string[];
  extraParameters: Record<string, string>;
};

const notConnectable = (message: string) => new AppError(400, "oauth_not_connectable", message);

/** What a discovered OpenID provider is asked for when the service names no scopes. */
const OPENID_REFRESH_SCOPES = ["openid", "offline_access"] as const;

/** The provider `input` names (or the service's token endpoint implies), checked against the service. */
export async function connectProviderOf(auth: OAuthAuth, input: CreateConnectionBody, allowPrivate: boolean): Promise<ConnectProvider> {
  const options = { allowPrivate };
  const tokenEndpoint = parseOAuthEndpoint(auth.token_endpoint, "token endpoint", options);
  if (input.authorization_endpoint) {
    return {
      id: "custom",
      name: new URL(parseOAuthEndpoint(input.authorization_endpoint, "authorization endpoint", options)).host,
      authorizationEndpoint: parseOAuthEndpoint(input.authorization_endpoint, "authorization endpoint", options),
      issuer: null,
      defaultScopes: [],
      extraParameters: {},
    };
  }
  if (input.discovery_url) return discovered(input.discovery_url, tokenEndpoint, allowPrivate);
  const template = input.provider ? templateById(input.provider) : templateForTokenEndpoint(tokenEndpoint);
  if (!template) {
    // No template: an OpenID provider whose issuer is the token endpoint's origin describes itself.
    try {
      return await discovered(new URL(tokenEndpoint).origin, tokenEndpoint, allowPrivate);
    } catch {
      throw notConnectable(
        `The service's token endpoint ${printable(tokenEndpoint)} is no provider of the catalog, and its origin publishes no OpenID discovery document naming it: give the provider's authorization_endpoint or discovery_url (GET /v1/oauth/providers lists the catalog)`,
      );
    }
  }
  if (template.token_endpoint !== tokenEndpoint) {
    throw notConnectable(
      `${template.name}'s token endpoint is ${template.token_endpoint}, the service's is ${printable(tokenEndpoint)}: a refresh token is redeemed where it was issued`,
    );
  }
  return {
    id: template.id,
    name: template.name,
    authorizationEndpoint: template.authorization_endpoint,
    issuer: null,
    defaultScopes: template.default_scopes,
    extraParameters: { ...template.extra_parameters },
  };
}

/** A custom provider by OpenID Connect discovery: its document must name this issuer and the service's token endpoint. */
async function discovered(raw: string, tokenEndpoint: string, allowPrivate: boolean): Promise<ConnectProvider> {
  const url = new URL(parseOAuthEndpoint(raw, "discovery URL", { allowPrivate }));
  const issuer = new URL(url.href.replace(/\/\.well-known\/openid-configuration$/, ""));
  let server: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(issuer, {
      algorithm: "oidc",
      [oauth.customFetch]: providerFetch(allowPrivate),
      ...(isPlainLoopback(issuer) ? { [oauth.allowInsecureRequests]: true } : {}),
    });
    server = await oauth.processDiscoveryResponse(issuer, response);
  } catch (cause) {
    throw (
      tooLargeAnswer(cause, `The discovery document at ${printable(raw)}`) ??
      new AppError(
        400,
        "oauth_discovery_failed",
        `Could not read the discovery document at ${printable(raw)}: ${cause instanceof Error ? printable(cause.message) : "unknown error"}`,
        {
          cause,
        },
      )
    );
  }
  if (!server.authorization_endpoint) throw new AppError(400, "oauth_discovery_failed", "The discovery document names no authorization_endpoint");
  const authorizationEndpoint = parseOAuthEndpoint(server.authorization_endpoint, "authorization endpoint", { allowPrivate });
  const named = server.token_endpoint ? parseOAuthEndpoint(server.token_endpoint, "token endpoint", { allowPrivate }) : "";
  if (named !== tokenEndpoint) {
    throw notConnectable(
      `The provider's token endpoint is ${printable(named || "(none)")}, the service's is ${printable(tokenEndpoint)}: a refresh token is redeemed where it was issued`,
    );
  }
  // An OpenID provider hands out a refresh token for `offline_access`; ask for what it says it supports of the two.
  const supported = server.scopes_supported;
  const defaultScopes = OPENID_REFRESH_SCOPES.filter((s) => !supported || supported.includes(s));
  return { id: "custom", name: new URL(server.issuer).host, authorizationEndpoint, issuer: server.issuer, defaultScopes, extraParameters: {} };
}

/** What a started authorization keeps for its callback: the state and PKCE verifier (oauth4webapi's random values). */
export type AuthorizationSecrets = { state: string; verifier: string };

/** The URL the person is sent to: code flow, PKCE S256, `state`, the scopes, and the template's parameters. */
export async function authorizationUrlOf(
  provider: { authorizationEndpoint: string; extraParameters: Record<string, string> },
  request: { clientId: string; redirectUri: string; scopes: readonly string[] },
): Promise<{ url: string; secrets: AuthorizationSecrets }> {
  const secrets = { state: oauth.generateRandomState(), verifier: oauth.generateRandomCodeVerifier() };
  const url = new URL(provider.authorizationEndpoint);
  for (const [name, value] of Object.entries(provider.extraParameters)) url.searchParams.set(name, value);
  url.searchParams.set("client_id", request.clientId);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("response_type", "code");
  if (request.scopes.length) url.searchParams.set("scope", request.scopes.join(" "));
  // OpenID Connect grants offline_access (a refresh token) only with a fresh consent (Core §11).
  if (request.scopes.includes("offline_access") && !url.searchParams.has("prompt")) url.searchParams.set("prompt", "consent");
  url.searchParams.set("state", secrets.state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(secrets.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  return { url: url.href, secrets };
}
