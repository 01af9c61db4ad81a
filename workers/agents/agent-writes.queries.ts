/** Statements that create an agent or give it a new token, for callers to batch with their guard. */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { agents, agentTokens, vaultMembers, vaults, type RateLimitOverride, type VaultRole } from "../db/schema.ts";
import { AGENT_ID_PREFIX, agentTokenBody } from "../auth/actor-gate-client.ts";
import { newId, type TokenMinter } from "../lib/tokens.ts";

export type NewAgent = {
  companyId: string;
  name: string;
  role: "owner" | "member";
  capabilities?: string[];
  realmId?: string | null;
  metadata?: Record<string, unknown> | null;
  version?: string | null;
  publicKey?: string | null;
  rateLimit?: RateLimitOverride | null;
  createdBy: string | null;
  /** Vault grants by vault id; grants for vaults deleted meanwhile are skipped. */
  grants?: { vaultId: string; role: VaultRole }[];
};

/** Creates an active agent and its first token. The token is returned once and never stored. */
export async function newAgentStatements(db: Database, mint: TokenMinter, input: NewAgent, now = Date.now()) {
  const agentId = newId(AGENT_ID_PREFIX);
  const issued = await mint("agent", agentTokenBody(agentId));
  const statements = [
    db.insert(agents).values({
      id: agentId,
      companyId: input.companyId,
      name: input.name,
      role: input.role,
      status: "active",
      capabilities: input.capabilities ?? [],
      realmId: input.realmId ?? null,
      metadata: input.metadata ?? null,
      version: input.version ?? null,
      publicKey: input.publicKey ?? null,
      rateLimit: input.rateLimit ?? null,
      registeredAt: now,
      createdBy: input.createdBy,
      updatedAt: now,
    }),
    db.insert(agentTokens).values({ id: newId("atk"), companyId: input.companyId, agentId, tokenHash: issued.hash, createdAt: now }),
    ...(input.grants ?? []).map((grant) => grantIfVaultExists(db, input.companyId, agentId, grant, now)),
  ];
  return { agentId, token: issued.token, statements };
}

/** Revokes the agent's current token and issues a new one (rotation, claim). */
export async function newAgentTokenStatements(db: Database, mint: TokenMinter, companyId: string, agentId: string, now = Date.now()) {
  const issued = await mint("agent", agentTokenBody(agentId));
  return {
    token: issued.token,
    statements: [
      db.update(agentTokens).set({ revokedAt: now }).where(and(eq(agentTokens.agentId, agentId), isNull(agentTokens.revokedAt))),
      db.insert(agentTokens).values({ id: newId("atk"), companyId, agentId, tokenHash: issued.hash, createdAt: now }),
    ],
  };
}

function grantIfVaultExists(db: Database, companyId: string, agentId: string, grant: { vaultId: string; role: VaultRole }, now: number) {
  return db
    .insert(vaultMembers)
    .select(
      db
        .select({
          vaultId: vaults.id,
          companyId: vaults.companyId,
          principalType: sql<"agent">`'agent'`.as("principal_type"),
          principalId: sql<string>`${agentId}`.as("principal_id"),
          role: sql<VaultRole>`${grant.role}`.as("role"),
          createdAt: sql<number>`${now}`.as("created_at"),
        })
        .from(vaults)
        .where(and(eq(vaults.id, grant.vaultId), eq(vaults.companyId, companyId))),
    )
    .onConflictDoUpdate({ target: [vaultMembers.vaultId, vaultMembers.principalType, vaultMembers.principalId], set: { role: grant.role } });
}
