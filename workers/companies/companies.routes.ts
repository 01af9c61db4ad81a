/** Companies (tenants) and their API keys. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";

const Company = z.object({ id: z.string(), name: z.string(), signing_alg: z.enum(["EdDSA", "ES256"]), created_at: Timestamp }).openapi("Company");

const ApiKey = z
  .object({ id: z.string(), label: z.string(), prefix: z.string(), created_at: Timestamp, last_used_at: Timestamp.nullable() })
  .openapi("ApiKey");
const IssuedApiKey = z
  .object({ id: z.string(), label: z.string(), prefix: z.string(), token: z.string().openapi({ description: "Shown once; store it now." }), created_at: Timestamp })
  .openapi("IssuedApiKey");

export const createCompany = createRoute({
  method: "post",
  path: "/v1/companies",
  tags: ["companies"],
  summary: "Create a company (platform operator only); returns its first owner API key, once",
  request: jsonBody(z.object({ id: ResourceName.openapi({ example: "acme" }), name: z.string().min(1).max(200) }).strict()),
  responses: {
    201: jsonResponse(z.object({ company: Company, api_key: IssuedApiKey }), "Created"),
    ...errors(400, 401, 409),
  },
});

export const currentCompany = createRoute({
  method: "get",
  path: "/v1/company",
  tags: ["companies"],
  summary: "The caller's company",
  responses: { 200: jsonResponse(z.object({ company: Company }), "The company"), ...errors(401) },
});

export const createApiKey = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: ["companies"],
  summary: "Create a company API key (owners); the token is shown once",
  request: jsonBody(z.object({ label: z.string().min(1).max(100) }).strict()),
  responses: { 201: jsonResponse(IssuedApiKey, "Created"), ...errors(400, 401, 403) },
});

export const listApiKeys = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: ["companies"],
  summary: "List active company API keys (prefix and label only)",
  responses: { 200: jsonResponse(z.object({ api_keys: z.array(ApiKey) }), "Keys"), ...errors(401, 403) },
});

export const revokeApiKey = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["companies"],
  summary: "Revoke a company API key",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonResponse(z.object({ revoked: z.string() }), "Revoked"), ...errors(401, 403, 404, 409) },
});
