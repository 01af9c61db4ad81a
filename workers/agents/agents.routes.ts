/** Agents: Vane registration, details, SVIDs, management (seed 002), rotation. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { AgentName, Capability } from "./agent-names.ts";
import { errors, jsonBody, jsonResponse, RateLimitInput, Timestamp } from "../lib/openapi.ts";

export const AgentView = z
  .object({
    agentId: z.string(),
    id: z.string(),
    name: z.string(),
    spiffeId: z.string(),
    companyId: z.string(),
    role: z.enum(["owner", "member"]),
    status: z.enum(["pending", "active", "rejected", "disabled"]),
    capabilities: z.array(z.string()),
    realm: z.object({ id: z.string(), name: z.string(), slug: z.string(), color: z.string().nullable() }).nullable(),
    version: z.string().nullable(),
    publicKey: z.string().nullable(),
    isOnline: z.boolean(),
    registeredAt: Timestamp,
    lastSeen: Timestamp.nullable(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("Agent");

const AgentParams = z.object({ agentId: z.string().max(64) });
const Metadata = z.record(z.string(), z.unknown()).refine((m) => JSON.stringify(m).length <= 16 * 1024, "metadata is limited to 16 KiB of JSON");

export const registerAgent = createRoute({
  method: "post",
  path: "/v1/agents/register",
  tags: ["agents", "identity"],
  summary: "Register an agent under the caller's company (seed 003): upsert, active at once, returns a JWT-SVID",
  description: "Needs a company API key (or an owner's session). Calling again with the same agentId updates its metadata.",
  request: { body: { content: { "application/json": { schema: z.object({ agentId: z.unknown(), metadata: z.unknown() }).partial() } }, required: true } },
  responses: {
    201: jsonResponse(z.object({ agentId: z.string(), spiffeId: z.string(), svid: z.string(), registeredAt: Timestamp }), "Registered"),
    ...errors(400, 401, 403),
  },
});

export const getAgent = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "An agent's record (seed 003 fields) with its vaults, status and active sessions",
  request: { params: AgentParams },
  responses: {
    200: jsonResponse(AgentView.extend({ vaults: z.array(z.object({ vault: z.string(), role: z.string() })), activeSessions: z.number() }), "The agent"),
    ...errors(401, 403, 404),
  },
});

export const getAgentSvid = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/svid",
  tags: ["agents", "identity"],
  summary: "A fresh JWT-SVID for the agent (TTL 3600 s); the agent itself or a company owner",
  request: { params: AgentParams, query: z.object({ audience: z.string().min(1).max(512).optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ agentId: z.string(), spiffeId: z.string(), svid: z.string() }), "SVID"), ...errors(400, 401, 403, 404) },
});

export const updateAgent = createRoute({
  method: "patch",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "Change an agent's role, name, status, capabilities, realm or metadata (owners)",
  request: {
    params: AgentParams,
    ...jsonBody(
      z
        .object({
          role: z.enum(["owner", "member"]).optional(),
          name: AgentName.optional(),
          status: z.enum(["active", "disabled"]).optional(),
          capabilities: z.array(Capability).max(8).optional(),
          realm: z.string().max(64).nullable().optional(),
          metadata: Metadata.nullable().optional(),
          rate_limit: RateLimitInput.nullable().optional(),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonResponse(z.object({ agent: AgentView }), "Updated"), ...errors(400, 401, 403, 404, 409) },
});

export const deleteAgent = createRoute({
  method: "delete",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "Delete an agent with its tokens, sessions, grants and pending rotation invites (owners)",
  request: { params: AgentParams },
  responses: { 200: jsonResponse(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404) },
});

export const rotateAgent = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/rotate",
  tags: ["agents"],
  summary: "Issue a rotation invite; the old token stops working the moment it is redeemed (owners)",
  request: {
    params: AgentParams,
    body: { content: { "application/json": { schema: z.object({ ttl_seconds: z.number().int().min(60).max(7 * 24 * 3600).optional() }).strict() } }, required: false },
  },
  responses: {
    201: jsonResponse(z.object({ name: z.string(), kind: z.string(), invite_url: z.string(), token_suffix: z.string(), expires_at: Timestamp, prompt: z.string() }), "Rotation invite"),
    ...errors(400, 401, 403, 404, 429),
  },
});
