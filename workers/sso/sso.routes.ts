/** A company's single sign-on (its OpenID Connect provider), for its owners. Shapes: sso.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { SetSsoBody, SsoRemoved, SsoSettings } from "./sso.contract.ts";

export const getSso = createRoute({
  method: "get",
  path: "/v1/company/sso",
  tags: ["companies"],
  summary: "The company's single sign-on provider (never its client secret), and the redirect URI its client must register",
  responses: { 200: jsonResponse(SsoSettings, "The provider, or null"), ...errors(401, 403) },
});

export const setSso = createRoute({
  method: "put",
  path: "/v1/company/sso",
  tags: ["companies"],
  summary: "Set the company's single sign-on provider (OpenID Connect): issuer, client, domains, group roles, password sign-in",
  description:
    "Reads the issuer's discovery document first (https only; a public host). The client secret is sealed at rest and never shown again; leave it out to keep the stored one while the issuer and client id stay the same. A domain belongs to one company's provider (409 sso_domain_taken). password_sign_in=false needs an unrevoked API key in the company, the owners' way back when the provider is down (409 break_glass_required).",
  request: jsonBody(SetSsoBody),
  responses: { 200: jsonResponse(SsoSettings, "Set"), ...errors(400, 401, 403, 409) },
});

export const removeSso = createRoute({
  method: "delete",
  path: "/v1/company/sso",
  tags: ["companies"],
  summary: "Remove the company's single sign-on provider: everyone signs in with a password again",
  responses: { 200: jsonResponse(SsoRemoved, "Removed"), ...errors(401, 403, 404) },
});
