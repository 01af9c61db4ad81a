/** Credentials: values go in, only key names come out. Shapes and limits: credentials.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { CredentialKeys, CredentialsDeleted, CredentialsSet, DeleteCredentialsBody, ListCredentialsQuery, SetCredentialsBody } from "./credentials.contract.ts";

export const setCredentials = createRoute({
  method: "post",
  path: "/v1/credentials",
  tags: ["credentials"],
  summary: "Store credentials (member or higher); values are encrypted and never returned",
  request: jsonBody(SetCredentialsBody),
  responses: { 200: jsonResponse(CredentialsSet, "Stored"), ...errors(400, 401, 403, 404, 413) },
});

export const listCredentials = createRoute({
  method: "get",
  path: "/v1/credentials",
  tags: ["credentials"],
  summary: "List credential key names (any role); values are never exposed",
  request: { query: ListCredentialsQuery },
  responses: { 200: jsonResponse(CredentialKeys, "Key names"), ...errors(400, 401, 403, 404) },
});

export const deleteCredentials = createRoute({
  method: "delete",
  path: "/v1/credentials",
  tags: ["credentials"],
  summary: "Delete credentials by key (member or higher); answers the keys that existed",
  request: jsonBody(DeleteCredentialsBody),
  responses: { 200: jsonResponse(CredentialsDeleted, "Deleted"), ...errors(400, 401, 403, 404) },
});
