/**
 * Vault agents' contract (seed 002 `vault agent list|add|set-role|remove`): agents' roles in one
 * vault. Zod schemas only, imported by the routes and by the CLI.
 */
import { z } from "@hono/zod-openapi";
import { AgentId } from "../agents/agents.contract.ts";
import { ResourceName } from "../lib/openapi.ts";
import { VaultRole } from "../vaults/vaults.contract.ts";

export const VaultAgent = z.object({ agent: z.string(), role: VaultRole, status: z.string() }).openapi("VaultAgent");
export const VaultParams = z.object({ vault: ResourceName });
export const VaultAgentParams = z.object({ vault: ResourceName, agent: AgentId });

export const VaultAgentList = z.object({ vault: z.string(), agents: z.array(VaultAgent) });
export const AddVaultAgentBody = z.object({ agent: AgentId, role: VaultRole.default("proxy") }).strict();
export const SetVaultAgentRoleBody = z.object({ role: VaultRole }).strict();
export const VaultAgentGranted = z.object({ vault: z.string(), agent: VaultAgent });
export const VaultAgentRemoved = z.object({ vault: z.string(), removed: z.string() });
