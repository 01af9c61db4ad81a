/**
 * Agents' roles in a vault (seed 002 `vault agent list|add|set-role|remove`), for the API and the
 * console's vault page alike. Every move is held to auth/grants.ts (a role moves only by someone
 * above it; nobody grants above their own) and written guarded on the grant the check saw, so a
 * concurrent change makes it fail whole (409); the agent's gate re-reads it.
 */
import type { ActionContext } from "../action-context.ts";
import { findAgentByName } from "../agents/agents.queries.ts";
import { requireGrantChange } from "../auth/grants.ts";
import { authorizeVault } from "../auth/vault-access.ts";
import type { VaultRole } from "../db/schema.ts";
import { notFound } from "../lib/app-error.ts";
import { currentGrant, type GrantChange, grantChange, grantChanged } from "../vaults/grants.queries.ts";
import type { VaultRow } from "../vaults/vaults.queries.ts";
import { listVaultAgents as agentsOf } from "./vault-agents.queries.ts";

export type VaultAgentGrant = { agent: string; role: VaultRole; status: string };

async function agentIn(ctx: ActionContext, vault: VaultRow, name: string) {
  const found = await findAgentByName(ctx.db, vault.companyId, name);
  if (!found) throw notFound(`Agent "${name}"`);
  return found.agent;
}

/** An agent's grant that exists; no grant in this vault is not found. */
async function grantOf(ctx: ActionContext, vault: VaultRow, name: string) {
  const agent = await agentIn(ctx, vault, name);
  const current = await currentGrant(ctx.db, vault.id, { type: "agent", id: agent.id });
  if (!current) throw notFound("Agent grant");
  return { agent, current };
}

async function moveRole(ctx: ActionContext, vault: VaultRow, agent: { id: string; name: string }, move: GrantChange): Promise<void> {
  const { db, principal } = ctx;
  await requireGrantChange(db, principal, vault, move);
  const audit = move.next
    ? { action: "vault.agent.grant", targetType: "agent", targetId: agent.name, detail: { vault: vault.name, role: move.next } }
    : { action: "vault.agent.remove", targetType: "agent", targetId: agent.name, detail: { vault: vault.name } };
  const write = grantChange(db, principal, vault, { type: "agent", id: agent.id }, move, audit);
  if (write) await ctx.commit(write).catch((error: unknown) => Promise.reject(grantChanged(error)));
}

/** The agents with a role in the vault. */
export async function listVaultAgents(ctx: ActionContext, vaultName: string): Promise<{ vault: string; agents: VaultAgentGrant[] }> {
  const { vault } = await authorizeVault(ctx, vaultName);
  return { vault: vault.name, agents: await agentsOf(ctx.db, vault.id) };
}

/** Gives an agent a role; re-adding changes its role only if the caller could have changed it. */
export async function grantVaultAgent(ctx: ActionContext, vaultName: string, name: string, role: VaultRole) {
  const { vault } = await authorizeVault(ctx, vaultName);
  const agent = await agentIn(ctx, vault, name);
  const current = await currentGrant(ctx.db, vault.id, { type: "agent", id: agent.id });
  await moveRole(ctx, vault, agent, { current, next: role, granteeIsOwner: agent.role === "owner" });
  return { vault: vault.name, agent: { agent: agent.name, role, status: agent.status } };
}

/** The agent's name as stored, if it holds a grant in the vault (the console asks before it confirms a removal). */
export async function grantedAgent(ctx: ActionContext, vaultName: string, name: string): Promise<string> {
  const { vault } = await authorizeVault(ctx, vaultName);
  return (await grantOf(ctx, vault, name)).agent.name;
}

export async function setVaultAgentRole(ctx: ActionContext, vaultName: string, name: string, role: VaultRole) {
  const { vault } = await authorizeVault(ctx, vaultName);
  const { agent, current } = await grantOf(ctx, vault, name);
  await moveRole(ctx, vault, agent, { current, next: role, granteeIsOwner: agent.role === "owner" });
  return { vault: vault.name, agent: { agent: agent.name, role, status: agent.status } };
}

/** Removes the agent's grant; the agent's name as it is stored. */
export async function removeVaultAgent(ctx: ActionContext, vaultName: string, name: string) {
  const { vault } = await authorizeVault(ctx, vaultName);
  const { agent, current } = await grantOf(ctx, vault, name);
  await moveRole(ctx, vault, agent, { current, next: undefined });
  return { vault: vault.name, removed: agent.name };
}
