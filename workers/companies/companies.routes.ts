/** Companies (tenants) and their API keys. Shapes: companies.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import {
  ApiKeyList,
  ApiKeyParams,
  ApiKeyRevoked,
  CompanyCreated,
  CreateApiKeyBody,
  CreateCompanyBody,
  IssuedApiKey,
  OneCompany,
} from "./companies.contract.ts";

export const createCompany = createRoute({
  method: "post",
  path: "/v1/companies",
  tags: ["companies"],
  summary: "Create a company (platform operator only); returns its first owner API key, once",
  request: jsonBody(CreateCompanyBody),
  responses: {
    201: jsonResponse(CompanyCreated, "Created"),
    ...errors(400, 401, 409),
  },
});

export const currentCompany = createRoute({
  method: "get",
  path: "/v1/company",
  tags: ["companies"],
  summary: "The caller's company",
  responses: { 200: jsonResponse(OneCompany, "The company"), ...errors(401) },
});

export const createApiKey = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: ["companies"],
  summary: "Create a company API key (owners); the token is shown once",
  request: jsonBody(CreateApiKeyBody),
  responses: { 201: jsonResponse(IssuedApiKey, "Created"), ...errors(400, 401, 403) },
});

export const listApiKeys = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: ["companies"],
  summary: "List active company API keys (prefix and label only)",
  responses: { 200: jsonResponse(ApiKeyList, "Keys"), ...errors(401, 403) },
});

export const revokeApiKey = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags: ["companies"],
  summary: "Revoke a company API key",
  request: { params: ApiKeyParams },
  responses: { 200: jsonResponse(ApiKeyRevoked, "Revoked"), ...errors(401, 403, 404, 409) },
});
