/** Agents' vault roles. Every change invalidates the agent's gate so grants apply at once. */
import { and, eq } from "drizzle-orm";
import { invalidateActor } from "../auth/actor-gate-client.ts";
import { requireGrantable } from "../auth/grants.ts";
import { requireVaultRole, type VaultRow } from "../auth/permissions.ts";
import { auditStatement } from "../db/audit.queries.ts";
import { findAgentByName } from "../db/agents.queries.ts";
import type { Database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { agents, vaultMembers, type VaultRole } from "../db/schema.ts";
import { notFound } from "../lib/app-error.ts";
import type { Principal } from "../lib/principal.ts";
import { createRouter } from "../lib/router.ts";
import * as routes from "./vault-agents.routes.ts";

const memberWhere = (vaultId: string, agentId: string) =>
  and(eq(vaultMembers.vaultId, vaultId), eq(vaultMembers.principalType, "agent"), eq(vaultMembers.principalId, agentId));

async function agentIn(db: Database, companyId: string, name: string) {
  const found = await findAgentByName(db, companyId, name);
  if (!found) throw notFound(`Agent "${name}"`);
  return found.agent;
}

async function requireGrant(db: Database, vaultId: string, agentId: string): Promise<void> {
  if (!(await db.select({ role: vaultMembers.role }).from(vaultMembers).where(memberWhere(vaultId, agentId)).get())) throw notFound("Agent grant");
}

async function grant(db: Database, env: Env, principal: Principal, vault: VaultRow, agent: { id: string; name: string }, role: VaultRole) {
  await db.batch([
    db
      .insert(vaultMembers)
      .values({ vaultId: vault.id, companyId: principal.companyId, principalType: "agent", principalId: agent.id, role, createdAt: Date.now() })
      .onConflictDoUpdate({ target: [vaultMembers.vaultId, vaultMembers.principalType, vaultMembers.principalId], set: { role } }),
    auditStatement(db, principal, { action: "vault.agent.grant", targetType: "agent", targetId: agent.name, detail: { vault: vault.name, role } }),
  ]);
  await invalidateActor(env, { kind: "agent", id: agent.id });
}

/** Routes are mounted behind `authenticate` by the vaults router's `/v1/vaults/*` middleware. */
export const vaultAgentsRouter = createRouter()
  .openapi(routes.listVaultAgents, async (c) => {
    const db = c.var.db;
    const { vault } = await requireVaultRole(db, c.var.principal, c.req.valid("param").vault, "member");
    const rows = await db
      .select({ agent: agents.name, role: vaultMembers.role, status: agents.status })
      .from(vaultMembers)
      .innerJoin(agents, eq(agents.id, vaultMembers.principalId))
      .where(and(eq(vaultMembers.vaultId, vault.id), eq(vaultMembers.principalType, "agent")))
      .orderBy(agents.name)
      .all();
    return c.json({ vault: vault.name, agents: rows }, 200);
  })
  .openapi(routes.addVaultAgent, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const body = c.req.valid("json");
    const vault = await requireGrantable(db, principal, c.req.valid("param").vault, body.role);
    const agent = await agentIn(db, principal.companyId, body.agent);
    await grant(db, c.env, principal, vault, agent, body.role);
    return c.json({ vault: vault.name, agent: { agent: agent.name, role: body.role, status: agent.status } }, 200);
  })
  .openapi(routes.setVaultAgentRole, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const params = c.req.valid("param");
    const { vault } = await requireVaultRole(db, principal, params.vault, "admin");
    const agent = await agentIn(db, principal.companyId, params.agent);
    await requireGrant(db, vault.id, agent.id);
    const { role } = c.req.valid("json");
    await grant(db, c.env, principal, vault, agent, role);
    return c.json({ vault: vault.name, agent: { agent: agent.name, role, status: agent.status } }, 200);
  })
  .openapi(routes.removeVaultAgent, async (c) => {
    const principal = c.var.principal;
    const db = c.var.db;
    const params = c.req.valid("param");
    const { vault } = await requireVaultRole(db, principal, params.vault, "admin");
    const agent = await agentIn(db, principal.companyId, params.agent);
    await requireGrant(db, vault.id, agent.id);
    await db.batch([
      db.delete(vaultMembers).where(memberWhere(vault.id, agent.id)),
      auditStatement(db, principal, { action: "vault.agent.remove", targetType: "agent", targetId: agent.name, detail: { vault: vault.name } }),
    ]);
    await invalidateActor(c.env, { kind: "agent", id: agent.id });
    return c.json({ vault: vault.name, removed: agent.name }, 200);
  });
