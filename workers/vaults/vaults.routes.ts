/** Vaults, their settings, and the users granted a role in each. Shapes: vaults.contract.ts. */
import { createRoute } from "../auth/secured-route.ts";
import { errors, jsonBody, jsonResponse } from "../lib/openapi.ts";
import {
  CreateVaultBody,
  GrantVaultUserBody,
  OneVault,
  OneVaultUser,
  SetVaultRoleBody,
  UpdateVaultBody,
  VaultDeleted,
  VaultList,
  VaultParams,
  VaultUserList,
  VaultUserParams,
  VaultUserRemoved,
} from "./vaults.contract.ts";

export const createVault = createRoute({
  method: "post",
  path: "/v1/vaults",
  tags: ["vaults"],
  summary: "Create a vault; the creator becomes its admin",
  request: jsonBody(CreateVaultBody),
  responses: { 201: jsonResponse(OneVault, "Created"), ...errors(400, 401, 403, 409) },
});

export const listVaults = createRoute({
  method: "get",
  path: "/v1/vaults",
  tags: ["vaults"],
  summary: "List the vaults the caller can use, with the caller's role in each",
  responses: { 200: jsonResponse(VaultList, "Vaults"), ...errors(401) },
});

export const getVault = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}",
  tags: ["vaults"],
  summary: "One vault",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(OneVault, "The vault"), ...errors(401, 403, 404) },
});

export const updateVault = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}",
  tags: ["vaults"],
  summary: "Change a vault's settings (admin)",
  request: { params: VaultParams, ...jsonBody(UpdateVaultBody) },
  responses: { 200: jsonResponse(OneVault, "Updated"), ...errors(400, 401, 403, 404) },
});

export const deleteVault = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}",
  tags: ["vaults"],
  summary: "Delete a vault with its services, credentials and grants (admin)",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(VaultDeleted, "Deleted"), ...errors(401, 403, 404) },
});

export const listVaultUsers = createRoute({
  method: "get",
  path: "/v1/vaults/{vault}/users",
  tags: ["vaults"],
  summary: "Users granted a role in the vault (admin)",
  request: { params: VaultParams },
  responses: { 200: jsonResponse(VaultUserList, "Grants"), ...errors(401, 403, 404) },
});

export const grantVaultUser = createRoute({
  method: "post",
  path: "/v1/vaults/{vault}/users",
  tags: ["vaults"],
  summary: "Grant a user of the company a role in the vault (admin); granting again changes the role",
  request: { params: VaultParams, ...jsonBody(GrantVaultUserBody) },
  responses: { 200: jsonResponse(OneVaultUser, "Granted"), ...errors(400, 401, 403, 404) },
});

export const updateVaultUser = createRoute({
  method: "patch",
  path: "/v1/vaults/{vault}/users/{userId}",
  tags: ["vaults"],
  summary: "Change a user's role in the vault (admin)",
  request: { params: VaultUserParams, ...jsonBody(SetVaultRoleBody) },
  responses: { 200: jsonResponse(OneVaultUser, "Updated"), ...errors(400, 401, 403, 404) },
});

export const removeVaultUser = createRoute({
  method: "delete",
  path: "/v1/vaults/{vault}/users/{userId}",
  tags: ["vaults"],
  summary: "Remove a user's role in the vault (admin)",
  request: { params: VaultUserParams },
  responses: { 200: jsonResponse(VaultUserRemoved, "Removed"), ...errors(401, 403, 404) },
});
