/** Agent invites (seed 002): create, list, revoke by token suffix, and redeem. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { AgentName } from "../agents/agent-names.ts";
import { errors, jsonBody, jsonResponse, ResourceName, Timestamp } from "../lib/openapi.ts";
import { VaultRole } from "../vaults/vaults.routes.ts";

export const INVITE_DEFAULT_TTL_SECONDS = 15 * 60;
export const INVITE_MAX_TTL_SECONDS = 7 * 24 * 3600;
export const MAX_PENDING_INVITES = 50;

const IssuedInvite = z
  .object({
    name: z.string(),
    kind: z.enum(["agent", "rotation"]),
    invite_url: z.string().openapi({ description: "POST to it to redeem. Single use." }),
    token_suffix: z.string(),
    expires_at: Timestamp,
    prompt: z.string().openapi({ description: "Paste into the agent's chat." }),
  })
  .openapi("IssuedInvite");

export const createInvite = createRoute({
  method: "post",
  path: "/v1/agents/invites",
  tags: ["agents"],
  summary: "Invite an agent: a single-use, expiring URL the agent redeems for its token",
  description: `Default TTL ${INVITE_DEFAULT_TTL_SECONDS} s, at most ${INVITE_MAX_TTL_SECONDS} s; at most ${MAX_PENDING_INVITES} pending per company (429). Only owners invite owner agents; a vault grant cannot exceed the inviter's own role in that vault.`,
  request: jsonBody(
    z
      .object({
        name: AgentName,
        role: z.enum(["owner", "member"]).default("member"),
        vaults: z.array(z.object({ vault: ResourceName, role: VaultRole.default("proxy") }).strict()).max(50).default([]),
        ttl_seconds: z.number().int().min(60).max(INVITE_MAX_TTL_SECONDS).default(INVITE_DEFAULT_TTL_SECONDS),
      })
      .strict(),
  ),
  responses: { 201: jsonResponse(IssuedInvite, "Created"), ...errors(400, 401, 403, 404, 409, 429) },
});

export const listInvites = createRoute({
  method: "get",
  path: "/v1/agents/invites",
  tags: ["agents"],
  summary: "List agent and rotation invites (default: pending)",
  request: { query: z.object({ status: z.enum(["pending", "used", "expired", "revoked", "all"]).default("pending") }).strict() },
  responses: {
    200: jsonResponse(
      z.object({
        invites: z.array(
          z.object({
            name: z.string(),
            kind: z.string(),
            status: z.string(),
            role: z.string(),
            vaults: z.array(z.object({ vault: z.string(), role: z.string() })),
            token_suffix: z.string(),
            created_at: Timestamp,
            expires_at: Timestamp,
          }),
        ),
      }),
      "Invites",
    ),
    ...errors(400, 401, 403),
  },
});

export const revokeInvite = createRoute({
  method: "delete",
  path: "/v1/agents/invites/{suffix}",
  tags: ["agents"],
  summary: "Revoke a pending invite by the last characters of its token (as `agent invite list` shows them)",
  request: { params: z.object({ suffix: z.string().min(4).max(64) }) },
  responses: { 200: jsonResponse(z.object({ revoked: z.string(), name: z.string() }), "Revoked"), ...errors(401, 403, 404, 409) },
});

export const redeemInvite = createRoute({
  method: "post",
  path: "/invite/{token}",
  tags: ["agents"],
  summary: "Redeem an invite: returns the agent token (once) and the protocol instructions",
  description: "Used → 410 invite_used, expired → 410 invite_expired, revoked → 410 invite_revoked, unknown → 404 invite_not_found.",
  request: { params: z.object({ token: z.string().max(200) }) },
  responses: {
    200: jsonResponse(
      z.object({
        token: z.string(),
        agent: z.object({ name: z.string(), role: z.string() }),
        addr: z.string(),
        vaults: z.array(z.object({ vault: z.string(), role: z.string() })),
        env: z.record(z.string(), z.string()),
        instructions: z.string(),
      }),
      "Redeemed",
    ),
    ...errors(404, 409, 410),
  },
});
