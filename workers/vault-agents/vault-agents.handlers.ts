/** Agents' vault roles: moved only by those above them (auth/grants.ts); every change reloads the agent's gate. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { findAgentByName } from "../agents/agents.queries.ts";
import { authorizeVault } from "../auth/gate.ts";
import { requireGrantChange } from "../auth/grants.ts";
import type { Database } from "../db/client.ts";
import { commitChange } from "../effects.ts";
import { currentGrant, grantChange, grantChanged, type GrantChange } from "../vaults/grants.queries.ts";
import type { VaultRow } from "../vaults/vaults.queries.ts";
import { listVaultAgents } from "./vault-agents.queries.ts";
import { notFound } from "../lib/app-error.ts";
import { createRouter } from "../lib/router.ts";
import * as routes from "./vault-agents.routes.ts";

async function agentIn(db: Database, companyId: string, name: string) {
  const found = await findAgentByName(db, companyId, name);
  if (!found) throw notFound(`Agent "${name}"`);
  return found.agent;
}

/** Moves the agent's role in the vault, if the caller may (auth/grants.ts); its gate re-reads it. */
async function moveRole(c: Context<AppEnv>, vault: VaultRow, agent: { id: string; name: string }, move: GrantChange) {
  const { db, principal } = c.var;
  await requireGrantChange(db, principal, vault, move);
  const audit = move.next
    ? { action: "vault.agent.grant", targetType: "agent", targetId: agent.name, detail: { vault: vault.name, role: move.next } }
    : { action: "vault.agent.remove", targetType: "agent", targetId: agent.name, detail: { vault: vault.name } };
  const write = grantChange(db, principal, vault, { type: "agent", id: agent.id }, move, audit);
  if (write) await commitChange(c, write).catch((error: unknown) => Promise.reject(grantChanged(error)));
}

export const vaultAgentsRouter = createRouter()
  .openapi(routes.listVaultAgents, async (c) => {
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const rows = await listVaultAgents(c.var.db, vault.id);
    return c.json({ vault: vault.name, agents: rows }, 200);
  })
  .openapi(routes.addVaultAgent, async (c) => {
    const body = c.req.valid("json");
    const { vault } = await authorizeVault(c, c.req.valid("param").vault);
    const agent = await agentIn(c.var.db, vault.companyId, body.agent);
    // Adding an existing grant changes its role only if the caller could have changed it.
    const current = await currentGrant(c.var.db, vault.id, { type: "agent", id: agent.id });
    await moveRole(c, vault, agent, { current, next: body.role, granteeIsOwner: agent.role === "owner" });
    return c.json({ vault: vault.name, agent: { agent: agent.name, role: body.role, status: agent.status } }, 200);
  })
  .openapi(routes.setVaultAgentRole, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const agent = await agentIn(c.var.db, vault.companyId, params.agent);
    const current = await currentGrant(c.var.db, vault.id, { type: "agent", id: agent.id });
    if (!current) throw notFound("Agent grant");
    const { role } = c.req.valid("json");
    await moveRole(c, vault, agent, { current, next: role, granteeIsOwner: agent.role === "owner" });
    return c.json({ vault: vault.name, agent: { agent: agent.name, role, status: agent.status } }, 200);
  })
  .openapi(routes.removeVaultAgent, async (c) => {
    const params = c.req.valid("param");
    const { vault } = await authorizeVault(c, params.vault);
    const agent = await agentIn(c.var.db, vault.companyId, params.agent);
    const current = await currentGrant(c.var.db, vault.id, { type: "agent", id: agent.id });
    if (!current) throw notFound("Agent grant");
    await moveRole(c, vault, agent, { current, next: undefined });
    return c.json({ vault: vault.name, removed: agent.name }, 200);
  });
