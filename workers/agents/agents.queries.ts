/** Agent queries and the agent record as the API shows it (Vane and Vaultys field names). */
import { and, asc, count, eq, gt, isNull, or, sql } from "drizzle-orm";
import { didKeyFor, publicKeyOfDid } from "../lib/crypto/did-key.ts";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { agents, invites, realms, vaultMembers, vaults, vaultSessions } from "../db/schema.ts";
import { iso } from "../lib/openapi.ts";
import type { Principal } from "../lib/principal.ts";

export type AgentRow = typeof agents.$inferSelect;
export type RealmRow = typeof realms.$inferSelect;

/**
 * An agent is online while it holds its channel open: its ActorGate keeps a lease in
 * `online_until` (durable-objects/agent-channels.ts), so an agent whose object died without
 * closing shows offline once the lease runs out.
 */
export const isOnline = (agent: Pick<AgentRow, "onlineUntil">, now = Date.now()) => agent.onlineUntil != null && agent.onlineUntil > now;

export const realmView = (realm: RealmRow | null | undefined) =>
  realm ? { id: realm.id, name: realm.name, slug: realm.slug, color: realm.color ?? null } : null;

/** The list/detail shape shared by every agent endpoint. */
export function agentView(agent: AgentRow, realm: RealmRow | null | undefined, spiffeId: string, now = Date.now()) {
  return {
    agentId: agent.name,
    id: agent.id,
    name: agent.name,
    spiffeId,
    companyId: agent.companyId,
    role: agent.role,
    status: agent.status,
    capabilities: agent.capabilities,
    passportScopes: agent.passportScopes,
    realm: realmView(realm),
    version: agent.version ?? null,
    publicKey: agent.publicKey ?? null,
    did: didKeyFor(agent.publicKey),
    llmProvider: agent.llmProvider ?? null,
    llmModel: agent.llmModel ?? null,
    isOnline: isOnline(agent, now),
    registeredAt: iso(agent.registeredAt) ?? "",
    lastSeen: iso(agent.lastSeenAt),
    ...(agent.metadata ? { metadata: agent.metadata } : {}),
  };
}

/** Vaultys' view of an agent (seed 004): its DID as `id` when it has one, else its `agt_…` id. */
export function vaultysAgentView(agent: AgentRow, realm: RealmRow | null | undefined, spiffeId: string, now = Date.now()) {
  return {
    id: didKeyFor(agent.publicKey) ?? agent.id,
    name: agent.name,
    capabilities: agent.capabilities,
    llmProvider: agent.llmProvider ?? null,
    llmModel: agent.llmModel ?? null,
    isOnline: isOnline(agent, now),
    registeredAt: iso(agent.registeredAt) ?? "",
    lastSeen: iso(agent.lastSeenAt),
    realm: realmView(realm),
    status: agent.status,
    spiffeId,
  };
}

/**
 * An agent by any of the names clients hold for it: its DID (`did:key:…`), its `agt_…` id or its
 * name. The id wins over a name that happens to spell another agent's id: ids are unforgeable.
 */
export async function findAgentByRef(db: Database, companyId: string, ref: string) {
  const key = publicKeyOfDid(ref);
  const match = key !== undefined ? eq(agents.publicKey, key) : or(eq(agents.id, ref), eq(agents.name, ref));
  return db
    .select({ agent: agents, realm: realms })
    .from(agents)
    .leftJoin(realms, eq(realms.id, agents.realmId))
    .where(and(eq(agents.companyId, companyId), match))
    .orderBy(sql`${agents.id} = ${ref} desc`, asc(agents.registeredAt))
    .get();
}

export async function findAgentByName(db: Database, companyId: string, name: string) {
  return db
    .select({ agent: agents, realm: realms })
    .from(agents)
    .leftJoin(realms, eq(realms.id, agents.realmId))
    .where(and(eq(agents.companyId, companyId), eq(agents.name, name)))
    .get();
}

export async function agentVaults(db: Database, agentId: string, companyId: string) {
  return db
    .select({ vault: vaults.name, role: vaultMembers.role })
    .from(vaultMembers)
    .innerJoin(vaults, eq(vaults.id, vaultMembers.vaultId))
    .where(and(eq(vaultMembers.principalType, "agent"), eq(vaultMembers.principalId, agentId), eq(vaultMembers.companyId, companyId)))
    .orderBy(vaults.name)
    .all();
}

export async function activeSessionCount(db: Database, agentId: string, now = Date.now()): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(vaultSessions)
    .where(
      and(eq(vaultSessions.principalType, "agent"), eq(vaultSessions.principalId, agentId), isNull(vaultSessions.revokedAt), gt(vaultSessions.expiresAt, now)),
    )
    .get();
  return row?.n ?? 0;
}

/** True when a D1 error is the (company, name) uniqueness of agents. */
export function isAgentNameTaken(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed: agents.company_id, agents.name");
}

/**
 * Vane's upsert (seed 003): the same agentId updates its metadata, nothing else — registeredAt is
 * kept, and so is its status: re-registering never re-enables an agent a person disabled.
 */
export function registerAgentChange(db: Database, principal: Principal, values: typeof agents.$inferInsert & { id: string; updatedAt: number }) {
  return change(
    [
      db
        .insert(agents)
        .values(values)
        .onConflictDoUpdate({ target: [agents.companyId, agents.name], set: { metadata: values.metadata, updatedAt: values.updatedAt } })
        .returning(),
      auditStatement(db, principal, { action: "agent.register", targetType: "agent", targetId: values.name }),
    ] as const,
    // The upsert may have touched an existing agent (its id is not `values.id` then): invalidate the one it returned.
    ([rows]) => ({ roots: rows.map((agent) => ({ type: "agent" as const, id: agent.id })) }),
  );
}

export function updateAgentChange(
  db: Database,
  principal: Principal,
  agent: AgentRow,
  changes: Partial<typeof agents.$inferInsert>,
  detail: Record<string, unknown>,
) {
  return change(
    [
      db
        .update(agents)
        .set(changes)
        .where(and(eq(agents.id, agent.id), eq(agents.companyId, agent.companyId)))
        .returning(),
      auditStatement(db, principal, { action: "agent.update", targetType: "agent", targetId: agent.name, detail }),
    ] as const,
    // The agent's gate admits its sessions too: both see the change on their next request.
    { roots: [{ type: "agent", id: agent.id }] },
  );
}

/** Deletes an agent; tokens go by ON DELETE CASCADE, grants, sessions and pending invites here (they are not foreign keys). */
export function deleteAgentChange(db: Database, principal: Principal, agent: AgentRow, now: number) {
  return change(
    [
      db.delete(vaultMembers).where(and(eq(vaultMembers.principalType, "agent"), eq(vaultMembers.principalId, agent.id))),
      db
        .update(vaultSessions)
        .set({ revokedAt: now })
        .where(and(eq(vaultSessions.principalType, "agent"), eq(vaultSessions.principalId, agent.id), isNull(vaultSessions.revokedAt))),
      db
        .update(invites)
        .set({ revokedAt: now })
        .where(
          and(
            eq(invites.companyId, agent.companyId),
            or(eq(invites.agentId, agent.id), and(eq(invites.kind, "agent"), eq(invites.agentName, agent.name))),
            isNull(invites.usedAt),
            isNull(invites.revokedAt),
          ),
        ),
      db.delete(agents).where(and(eq(agents.id, agent.id), eq(agents.companyId, agent.companyId))),
      auditStatement(db, principal, { action: "agent.delete", targetType: "agent", targetId: agent.name }),
    ] as const,
    { roots: [{ type: "agent", id: agent.id }] },
  );
}
