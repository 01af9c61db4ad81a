/** Vault-scoped session tokens (what `vault run` uses): act with the proxy role, no X-Vault needed. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";

export const SESSION_MIN_TTL_SECONDS = 5 * 60;
export const SESSION_MAX_TTL_SECONDS = 7 * 24 * 3600;
export const SESSION_DEFAULT_TTL_SECONDS = 24 * 3600;

const SessionView = z
  .object({ id: z.string(), vault: z.string(), label: z.string(), minted_by: z.object({ type: z.string(), id: z.string() }), created_at: Timestamp, expires_at: Timestamp })
  .openapi("VaultSession");

export const createSession = createRoute({
  method: "post",
  path: "/v1/sessions",
  tags: ["sessions"],
  summary: "Mint a vault-scoped session token (member or higher in the vault); shown once",
  request: jsonBody(
    z
      .object({
        vault: ResourceName,
        ttl_seconds: z.number().int().min(SESSION_MIN_TTL_SECONDS).max(SESSION_MAX_TTL_SECONDS).default(SESSION_DEFAULT_TTL_SECONDS),
        label: z.string().max(100).default(""),
      })
      .strict(),
  ),
  responses: {
    201: jsonResponse(z.object({ id: z.string(), token: z.string(), expires_at: Timestamp, addr: z.string(), vault: z.string() }), "Minted"),
    ...errors(400, 401, 403, 404),
  },
});

export const listSessions = createRoute({
  method: "get",
  path: "/v1/sessions",
  tags: ["sessions"],
  summary: "Active sessions of a vault: all of them for its admins, your own otherwise",
  request: { query: z.object({ vault: ResourceName }).strict() },
  responses: { 200: jsonResponse(z.object({ sessions: z.array(SessionView) }), "Sessions"), ...errors(400, 401, 403, 404) },
});

export const revokeSession = createRoute({
  method: "delete",
  path: "/v1/sessions/{id}",
  tags: ["sessions"],
  summary: "Revoke a session (its minter or a vault admin; a session may revoke itself); effective on the next request",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonResponse(z.object({ revoked: z.string() }), "Revoked"), ...errors(401, 403, 404) },
});
