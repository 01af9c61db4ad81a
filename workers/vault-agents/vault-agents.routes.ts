/** Agents' roles in a vault (seed 002 `vault agent list|add|set-role|remove`). */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { AgentName } from "../agents/agent-names.ts";
import { errors, jsonBody, jsonResponse, ResourceName } from "../lib/openapi.ts";
import { VaultRole } from "../vaults/vaults.routes.ts";

const VaultAgent = z.object({ agent: z.string(), role: VaultRole, status: z.string() }).openapi("VaultAgent");
const Params = z.object({ vault: ResourceName });
const AgentParams = z.object({ vault: ResourceName, agent: AgentName });

export const listVaultAgents = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/agents",
  tags: ["vaults", "agents"],
  summary: "Agents with a role in the vault (member or higher)",
  request: { params: Params },
  responses: { 200: jsonResponse(z.object({ vault: z.string(), agents: z.array(VaultAgent) }), "Agents"), ...errors(401, 403, 404) },
});

export const addVaultAgent = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/agents",
  tags: ["vaults", "agents"],
  summary: "Give an existing agent a role in the vault; the granter needs at least that role (and member)",
  request: { params: Params, ...jsonBody(z.object({ agent: AgentName, role: VaultRole.default("proxy") }).strict()) },
  responses: { 200: jsonResponse(z.object({ vault: z.string(), agent: VaultAgent }), "Granted"), ...errors(400, 401, 403, 404) },
});

export const setVaultAgentRole = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}/agents/{agent}",
  tags: ["vaults", "agents"],
  summary: "Change an agent's role in the vault (admin)",
  request: { params: AgentParams, ...jsonBody(z.object({ role: VaultRole }).strict()) },
  responses: { 200: jsonResponse(z.object({ vault: z.string(), agent: VaultAgent }), "Updated"), ...errors(400, 401, 403, 404) },
});

export const removeVaultAgent = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/agents/{agent}",
  tags: ["vaults", "agents"],
  summary: "Remove an agent's role in the vault (admin)",
  request: { params: AgentParams },
  responses: { 200: jsonResponse(z.object({ vault: z.string(), removed: z.string() }), "Removed"), ...errors(401, 403, 404) },
});
