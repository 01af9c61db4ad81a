/**
 * Agents' roles in a vault: granting, changing and removing one, for the API
 * (/v1/vaults/{vault}/agents) and the console's vault page alike. Every move is held to
 * auth/grants.ts (a role moves only by someone above it; nobody grants above their own) and
 * written guarded on the grant the check saw; the agent's gate re-reads it.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { findAgentByName } from "../agents/agents.queries.ts";
import { requireGrantChange } from "../auth/grants.ts";
import type { VaultRole } from "../db/schema.ts";
import { commitChange } from "../effects.ts";
import { notFound } from "../lib/app-error.ts";
import { currentGrant, type GrantChange, grantChange, grantChanged } from "../vaults/grants.queries.ts";
import type { VaultRow } from "../vaults/vaults.queries.ts";

export type VaultAgentGrant = { agent: string; role: VaultRole; status: string };

async function agentIn(c: Context<AppEnv>, vault: VaultRow, name: string) {
  const found = await findAgentByName(c.var.db, vault.companyId, name);
  if (!found) throw notFound(`Agent "${name}"`);
  return found.agent;
}

async function moveRole(c: Context<AppEnv>, vault: VaultRow, agent: { id: string; name: string }, move: GrantChange): Promise<void> {
  const { db, principal } = c.var;
  await requireGrantChange(db, principal, vault, move);
  const audit = move.next
    ? { action: "vault.agent.grant", targetType: "agent", targetId: agent.name, detail: { vault: vault.name, role: move.next } }
    : { action: "vault.agent.remove", targetType: "agent", targetId: agent.name, detail: { vault: vault.name } };
  const write = grantChange(db, principal, vault, { type: "agent", id: agent.id }, move, audit);
  if (write) await commitChange(c, write).catch((error: unknown) => Promise.reject(grantChanged(error)));
}

/** Gives an agent a role; re-adding changes its role only if the caller could have changed it. */
export async function grantVaultAgent(c: Context<AppEnv>, vault: VaultRow, name: string, role: VaultRole): Promise<VaultAgentGrant> {
  const agent = await agentIn(c, vault, name);
  const current = await currentGrant(c.var.db, vault.id, { type: "agent", id: agent.id });
  await moveRole(c, vault, agent, { current, next: role, granteeIsOwner: agent.role === "owner" });
  return { agent: agent.name, role, status: agent.status };
}

/** An agent's grant that exists; no grant in this vault is not found. */
export async function grantedAgent(c: Context<AppEnv>, vault: VaultRow, name: string) {
  const agent = await agentIn(c, vault, name);
  const current = await currentGrant(c.var.db, vault.id, { type: "agent", id: agent.id });
  if (!current) throw notFound("Agent grant");
  return { agent, current };
}

export async function setVaultAgentRole(c: Context<AppEnv>, vault: VaultRow, name: string, role: VaultRole): Promise<VaultAgentGrant> {
  const { agent, current } = await grantedAgent(c, vault, name);
  await moveRole(c, vault, agent, { current, next: role, granteeIsOwner: agent.role === "owner" });
  return { agent: agent.name, role, status: agent.status };
}

/** Removes the agent's grant; the agent's name as it is stored. */
export async function removeVaultAgent(c: Context<AppEnv>, vault: VaultRow, name: string): Promise<string> {
  const { agent, current } = await grantedAgent(c, vault, name);
  await moveRole(c, vault, agent, { current, next: undefined });
  return agent.name;
}
