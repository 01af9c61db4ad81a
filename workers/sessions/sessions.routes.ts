/** Vault-scoped session tokens (what `vault run` uses): act with the proxy role, no X-Vault needed. Shapes and limits: sessions.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { CreateSessionBody, ListSessionsQuery, MintedSession, SessionList, SessionParams, SessionRevoked } from "./sessions.contract.ts";

export const createSession = createRoute({
  method: "post",
  path: "/v1/sessions",
  tags: ["sessions"],
  summary: "Mint a vault-scoped session token (member or higher in the vault); shown once",
  request: jsonBody(CreateSessionBody),
  responses: {
    201: jsonResponse(MintedSession, "Minted"),
    ...errors(400, 401, 403, 404),
  },
});

export const listSessions = createRoute({
  method: "get",
  path: "/v1/sessions",
  tags: ["sessions"],
  summary: "Active sessions of a vault: all of them for its admins, your own otherwise",
  request: { query: ListSessionsQuery },
  responses: { 200: jsonResponse(SessionList, "Sessions"), ...errors(400, 401, 403, 404) },
});

export const revokeSession = createRoute({
  method: "delete",
  path: "/v1/sessions/{id}",
  tags: ["sessions"],
  summary: "Revoke a session (its minter or a vault admin; a session may revoke itself); effective on the next request",
  request: { params: SessionParams },
  responses: { 200: jsonResponse(SessionRevoked, "Revoked"), ...errors(401, 403, 404) },
});
