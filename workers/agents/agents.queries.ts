/** Agent queries and the agent record as the API shows it (Vane and Vaultys field names). */
import { and, count, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { agents, realms, vaultMembers, vaults, vaultSessions } from "../db/schema.ts";
import { iso } from "../lib/openapi.ts";

export type AgentRow = typeof agents.$inferSelect;
export type RealmRow = typeof realms.$inferSelect;

/** An agent is online when it presented a valid token within this window. */
export const ONLINE_WINDOW_MS = 5 * 60 * 1000;

export const isOnline = (agent: Pick<AgentRow, "lastSeenAt">, now = Date.now()) =>
  agent.lastSeenAt != null && agent.lastSeenAt > now - ONLINE_WINDOW_MS;

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
    realm: realmView(realm),
    version: agent.version ?? null,
    publicKey: agent.publicKey ?? null,
    isOnline: isOnline(agent, now),
    registeredAt: iso(agent.registeredAt) ?? "",
    lastSeen: iso(agent.lastSeenAt),
    ...(agent.metadata ? { metadata: agent.metadata } : {}),
  };
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
    .where(and(eq(vaultSessions.principalType, "agent"), eq(vaultSessions.principalId, agentId), isNull(vaultSessions.revokedAt), gt(vaultSessions.expiresAt, now)))
    .get();
  return row?.n ?? 0;
}

/** True when a D1 error is the (company, name) uniqueness of agents. */
export function isAgentNameTaken(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  return text.includes("UNIQUE constraint failed: agents.company_id, agents.name");
}
