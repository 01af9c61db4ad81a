/** Agents: Vane registration, details, SVIDs, management (seed 002), rotation. Shapes: agents.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { RotateAgentBody, RotationInvite } from "../invites/invites.contract.ts";
import {
  AgentDeleted,
  AgentDetails,
  AgentParams,
  AgentRegistered,
  AgentSvid,
  AgentUpdated,
  RegisterAgentBody,
  SvidQuery,
  UpdateAgentBody,
  VaultysAgentDetails,
  VaultysAgentParams,
} from "./agents.contract.ts";

export const registerAgent = createRoute({
  method: "post",
  path: "/v1/agents/register",
  tags: ["agents", "identity"],
  summary: "Register an agent under the caller's company (seed 003): upsert, active at once, returns a JWT-SVID",
  description: "Needs a company API key (or an owner's session). Calling again with the same agentId updates its metadata.",
  request: { body: { content: { "application/json": { schema: RegisterAgentBody } }, required: true } },
  responses: {
    201: jsonResponse(AgentRegistered, "Registered"),
    ...errors(400, 401, 403),
  },
});

export const getAgent = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "An agent's record (seed 003 fields) with its vaults, status and active sessions; found by name, `agt_…` id or DID",
  request: { params: AgentParams },
  responses: {
    200: jsonResponse(AgentDetails, "The agent"),
    ...errors(401, 403, 404),
  },
});

export const getVaultysAgent = createRoute({
  method: "get",
  path: "/api/agents/{id}",
  tags: ["agents", "vaultys"],
  summary: "An agent as Vaultys shows it (seed 004), found by its id, its DID or its name",
  request: { params: VaultysAgentParams },
  responses: {
    200: jsonResponse(VaultysAgentDetails, "The agent"),
    ...errors(401, 403, 404),
  },
});

export const getAgentSvid = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/svid",
  tags: ["agents", "identity"],
  summary: "A fresh JWT-SVID for the agent (TTL 3600 s); the agent itself or a company owner",
  request: { params: AgentParams, query: SvidQuery },
  responses: { 200: jsonResponse(AgentSvid, "SVID"), ...errors(400, 401, 403, 404) },
});

export const updateAgent = createRoute({
  method: "patch",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "Change an agent's role, name, status, capabilities, realm or metadata (owners)",
  request: { params: AgentParams, ...jsonBody(UpdateAgentBody) },
  responses: { 200: jsonResponse(AgentUpdated, "Updated"), ...errors(400, 401, 403, 404, 409) },
});

export const deleteAgent = createRoute({
  method: "delete",
  path: "/v1/agents/{agentId}",
  tags: ["agents"],
  summary: "Delete an agent with its tokens, sessions, grants and pending rotation invites (owners)",
  request: { params: AgentParams },
  responses: { 200: jsonResponse(AgentDeleted, "Deleted"), ...errors(401, 403, 404) },
});

export const rotateAgent = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/rotate",
  tags: ["agents"],
  summary: "Issue a rotation invite; the old token stops working the moment it is redeemed (owners)",
  request: {
    params: AgentParams,
    body: { content: { "application/json": { schema: RotateAgentBody } }, required: false },
  },
  responses: {
    201: jsonResponse(RotationInvite, "Rotation invite"),
    ...errors(400, 401, 403, 404, 429),
  },
});
