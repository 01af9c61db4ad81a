/** Vaults, their settings, and the users granted a role in each. */
import { z } from "@hono/zod-openapi";
import { createRoute } from "../auth/secured-route.ts";
import { VAULT_ROLES } from "../db/schema.ts";
import { errors, jsonBody, jsonResponse, RateLimitInput, ResourceName, Timestamp } from "../lib/openapi.ts";

export const VaultRole = z.enum(VAULT_ROLES);
const Policy = z.enum(["passthrough", "deny"]).openapi({
  description: "Local MITM only: passthrough tunnels hosts without a service from the agent's machine; deny refuses them. The edge's /proxy never forwards such hosts.",
});

export const VaultView = z
  .object({ id: z.string(), name: z.string(), unmatched_host_policy: Policy, rate_limit: RateLimitInput.nullable(), role: VaultRole, created_at: Timestamp })
  .openapi("Vault");

const VaultParams = z.object({ vault: ResourceName });

export const createVault = createRoute({
  method: "post",
  path: "/v1/vaults",
  tags: ["vaults"],
  summary: "Create a vault; the creator becomes its admin",
  request: jsonBody(z.object({ name: ResourceName, unmatched_host_policy: Policy.default("passthrough") }).strict()),
  responses: { 201: jsonResponse(z.object({ vault: VaultView }), "Created"), ...errors(400, 401, 403, 409) },
});

export const listVaults = createRoute({
  method: "get",
  path: "/v1/vaults",
  tags: ["vaults"],
  summary: "List the vaults the caller can use, with the caller's role in each",
  responses: { 200: jsonResponse(z.object({ vaults: z.array(VaultView) }), "Vaults"), ...errors(401) },
});

export const getVault = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}",
  tags: ["vaults"],
  summary: "One vault",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(z.object({ vault: VaultView }), "The vault"), ...errors(401, 403, 404) },
});

export const updateVault = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}",
  tags: ["vaults"],
  summary: "Change a vault's settings (admin)",
  request: { params: VaultParams, ...jsonBody(z.object({ unmatched_host_policy: Policy.optional(), rate_limit: RateLimitInput.nullable().optional() }).strict()) },
  responses: { 200: jsonResponse(z.object({ vault: VaultView }), "Updated"), ...errors(400, 401, 403, 404) },
});

export const deleteVault = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}",
  tags: ["vaults"],
  summary: "Delete a vault with its services, credentials and grants (admin)",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404) },
});

const VaultUser = z.object({ user_id: z.string(), email: z.string(), role: VaultRole }).openapi("VaultUser");
const VaultUserParams = z.object({ vault: ResourceName, userId: z.string().max(64) });

export const listVaultUsers = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/users",
  tags: ["vaults"],
  summary: "Users granted a role in the vault (admin)",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(z.object({ users: z.array(VaultUser) }), "Grants"), ...errors(401, 403, 404) },
});

export const grantVaultUser = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/users",
  tags: ["vaults"],
  summary: "Grant a user of the company a role in the vault (admin); granting again changes the role",
  request: { params: VaultParams, ...jsonBody(z.object({ email: z.string().email().max(254), role: VaultRole }).strict()) },
  responses: { 200: jsonResponse(z.object({ user: VaultUser }), "Granted"), ...errors(400, 401, 403, 404) },
});

export const updateVaultUser = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}/users/{userId}",
  tags: ["vaults"],
  summary: "Change a user's role in the vault (admin)",
  request: { params: VaultUserParams, ...jsonBody(z.object({ role: VaultRole }).strict()) },
  responses: { 200: jsonResponse(z.object({ user: VaultUser }), "Updated"), ...errors(400, 401, 403, 404) },
});

export const removeVaultUser = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/users/{userId}",
  tags: ["vaults"],
  summary: "Remove a user's role in the vault (admin)",
  request: { params: VaultUserParams },
  responses: { 200: jsonResponse(z.object({ removed: z.string() }), "Removed"), ...errors(401, 403, 404) },
});
