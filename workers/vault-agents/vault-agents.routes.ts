/** Agents' roles in a vault (seed 002 `vault agent list|add|set-role|remove`). Shapes: vault-agents.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import {
  AddVaultAgentBody,
  SetVaultAgentRoleBody,
  VaultAgentGranted,
  VaultAgentList,
  VaultAgentParams,
  VaultAgentRemoved,
  VaultParams,
} from "./vault-agents.contract.ts";

export const listVaultAgents = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/agents",
  tags: ["vaults", "agents"],
  summary: "Agents with a role in the vault (member or higher)",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(VaultAgentList, "Agents"), ...errors(401, 403, 404) },
});

export const addVaultAgent = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/agents",
  tags: ["vaults", "agents"],
  summary: "Give an existing agent a role in the vault; the granter needs at least that role (and member)",
  request: { params: VaultParams, ...jsonBody(AddVaultAgentBody) },
  responses: { 200: jsonResponse(VaultAgentGranted, "Granted"), ...errors(400, 401, 403, 404) },
});

export const setVaultAgentRole = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}/agents/{agent}",
  tags: ["vaults", "agents"],
  summary: "Change an agent's role in the vault (admin)",
  request: { params: VaultAgentParams, ...jsonBody(SetVaultAgentRoleBody) },
  responses: { 200: jsonResponse(VaultAgentGranted, "Updated"), ...errors(400, 401, 403, 404) },
});

export const removeVaultAgent = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/agents/{agent}",
  tags: ["vaults", "agents"],
  summary: "Remove an agent's role in the vault (admin)",
  request: { params: VaultAgentParams },
  responses: { 200: jsonResponse(VaultAgentRemoved, "Removed"), ...errors(401, 403, 404) },
});
