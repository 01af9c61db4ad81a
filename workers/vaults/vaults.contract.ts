/**
 * Vaults' contract: vaults, their settings, the vault roles, and the users granted one. Zod
 * schemas and constants only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { Email } from "../users/users.contract.ts";
import { RateLimitInput, ResourceName, Timestamp } from "../lib/openapi.ts";
import { VAULT_ROLES, type VaultRole as VaultRoleName } from "../lib/principal.ts";

/** Roles in a vault, weakest first: proxy < member < admin (the list is lib/principal.ts's, beside how roles compare). */
export { VAULT_ROLES };
export type VaultRole = VaultRoleName;
export const VaultRole = z.enum(VAULT_ROLES);

/** What the local MITM proxy does with a host no service answers. */
export const UNMATCHED_HOST_POLICIES = ["passthrough", "deny"] as const;
export type UnmatchedHostPolicy = (typeof UNMATCHED_HOST_POLICIES)[number];
const Policy = z.enum(UNMATCHED_HOST_POLICIES).openapi({
  description:
    "Local MITM only: passthrough tunnels hosts without a service from the agent's machine; deny refuses them. The edge's /proxy never forwards such hosts.",
});

export const VaultView = z
  .object({ id: z.string(), name: z.string(), unmatched_host_policy: Policy, rate_limit: RateLimitInput.nullable(), role: VaultRole, created_at: Timestamp })
  .openapi("Vault");

export const VaultParams = z.object({ vault: ResourceName });

export const CreateVaultBody = z.object({ name: ResourceName, unmatched_host_policy: Policy.default("passthrough") }).strict();
export const UpdateVaultBody = z.object({ unmatched_host_policy: Policy.optional(), rate_limit: RateLimitInput.nullable().optional() }).strict();
export const OneVault = z.object({ vault: VaultView });
export const VaultList = z.object({ vaults: z.array(VaultView) });
export const VaultDeleted = z.object({ deleted: z.string() });

export const VaultUser = z.object({ user_id: z.string(), email: z.string(), role: VaultRole }).openapi("VaultUser");
export const VaultUserParams = z.object({ vault: ResourceName, userId: z.string().max(64) });
export const VaultUserList = z.object({ users: z.array(VaultUser) });
export const GrantVaultUserBody = z.object({ email: Email, role: VaultRole }).strict();
export const SetVaultRoleBody = z.object({ role: VaultRole }).strict();
export const OneVaultUser = z.object({ user: VaultUser });
export const VaultUserRemoved = z.object({ removed: z.string() });
