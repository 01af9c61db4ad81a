/** Connecting an OAuth service's account in the browser, and the provider catalog. Shapes: oauth-connect.contract.ts, provider-catalog.contract.ts. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { ResourceName } from "../lib/openapi.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { ServiceParams } from "../services/services.contract.ts";
import { ConnectionView, CreateConnectionBody } from "./oauth-connect.contract.ts";
import { ProviderCatalogView } from "./provider-catalog.contract.ts";

export const ConnectionParams = z.object({ vault: ResourceName, id: z.string().min(1).max(64) });

export const listProviders = createRoute({
  method: "get",
  path: "/v1/oauth/providers",
  tags: ["services"],
  summary: "The OAuth provider templates an account can be connected through: authorization and token endpoints, default scopes",
  responses: { 200: jsonResponse(ProviderCatalogView, "The catalog"), ...errors(401, 403) },
});

export const createConnection = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/services/{name}/oauth/connections",
  tags: ["services"],
  summary: "Start connecting an oauth service's account: a page a vault admin opens to go through the provider's consent",
  description:
    "For a service of auth type oauth with the refresh_token grant. The provider is the catalog's template whose token endpoint the service names, or `provider`, or a custom one by `authorization_endpoint` or `discovery_url` (its token endpoint must be the service's). Open `connect_url` signed in as an admin of the vault (the scopes are shown before you go); the callback stores the refresh token (and `client_secret`, when given) as the service's credentials. Poll GET …/oauth/connections/{id} until `connected` or `failed`. A connect lasts 15 minutes.",
  request: { params: ServiceParams, ...jsonBody(CreateConnectionBody) },
  responses: { 201: jsonResponse(ConnectionView, "Made"), ...errors(400, 401, 403, 404) },
});

export const getConnection = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/oauth/connections/{id}",
  tags: ["services"],
  summary: "A connect's status: pending, authorizing, connected, failed (with why) or expired",
  request: { params: ConnectionParams },
  responses: { 200: jsonResponse(ConnectionView, "The connect"), ...errors(401, 403, 404) },
});
