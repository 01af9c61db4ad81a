/**
 * What an ActorGate Durable Object caches about its actor, loaded from D1 only when the object
 * is cold or was invalidated by a management change. Revocation, rotation, deletion and grant
 * changes invalidate the object, so the very next request re-reads D1.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "./client.ts";
import { agents, agentTokens, apiKeys, users, vaultMembers, vaultSessions, type RateLimitOverride, type SESSION_MINTERS, type VaultRole } from "./schema.ts";

type SessionMinter = (typeof SESSION_MINTERS)[number];
import type { CompanyRole } from "../lib/principal.ts";

export type ActorKey = { kind: "agent" | "vault_session"; id: string };

export type ActorState = {
  key: ActorKey;
  companyId: string;
  tokenHash: string;
  companyRole: CompanyRole;
  /** Agent name, or the session's label. */
  name: string;
  /** Sessions only: when the token stops working. */
  expiresAt: number | null;
  /** Vault id → role. Agents: their grants. Sessions: their one vault. */
  grants: Record<string, VaultRole>;
  rateLimit: RateLimitOverride | null;
  /** Sessions only: who minted it. */
  mintedBy?: { type: SessionMinter; id: string };
};

export async function loadActorState(db: Database, key: ActorKey, now = Date.now()): Promise<ActorState | undefined> {
  return key.kind === "agent" ? loadAgent(db, key, now) : loadSession(db, key, now);
}

async function loadAgent(db: Database, key: ActorKey, _now: number): Promise<ActorState | undefined> {
  const row = await db
    .select({ agent: agents, tokenHash: agentTokens.tokenHash })
    .from(agents)
    .innerJoin(agentTokens, and(eq(agentTokens.agentId, agents.id), isNull(agentTokens.revokedAt)))
    .where(eq(agents.id, key.id))
    .get();
  if (!row || row.agent.status !== "active") return undefined;
  const grants = await db
    .select({ vaultId: vaultMembers.vaultId, role: vaultMembers.role })
    .from(vaultMembers)
    .where(and(eq(vaultMembers.principalType, "agent"), eq(vaultMembers.principalId, key.id), eq(vaultMembers.companyId, row.agent.companyId)))
    .all();
  return {
    key,
    companyId: row.agent.companyId,
    tokenHash: row.tokenHash,
    companyRole: row.agent.role,
    name: row.agent.name,
    expiresAt: null,
    grants: Object.fromEntries(grants.map((g) => [g.vaultId, g.role])),
    rateLimit: row.agent.rateLimit ?? null,
  };
}

async function loadSession(db: Database, key: ActorKey, now: number): Promise<ActorState | undefined> {
  const session = await db
    .select()
    .from(vaultSessions)
    .where(and(eq(vaultSessions.id, key.id), isNull(vaultSessions.revokedAt)))
    .get();
  if (!session || session.expiresAt <= now) return undefined;
  // A session dies with the principal that minted it.
  if (!(await minterIsActive(db, session.principalType, session.principalId))) return undefined;
  return {
    key,
    companyId: session.companyId,
    tokenHash: session.tokenHash,
    companyRole: "member",
    name: session.label,
    expiresAt: session.expiresAt,
    grants: { [session.vaultId]: "proxy" },
    rateLimit: null,
    mintedBy: { type: session.principalType, id: session.principalId },
  };
}

async function minterIsActive(db: Database, type: SessionMinter, id: string): Promise<boolean> {
  if (type === "agent") return !!(await db.select({ id: agents.id }).from(agents).where(and(eq(agents.id, id), eq(agents.status, "active"))).get());
  if (type === "user") return !!(await db.select({ id: users.id }).from(users).where(and(eq(users.id, id), eq(users.status, "active"))).get());
  return !!(await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).get());
}

/** Batched from the Durable Object, at most once a minute per agent. */
export async function writeLastSeen(db: Database, agentId: string, at: number): Promise<void> {
  await db.update(agents).set({ lastSeenAt: at }).where(eq(agents.id, agentId));
}
