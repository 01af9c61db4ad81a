/**
 * Statements that create an agent or give it a new token, for callers to batch with their guard.
 * The caller mints the token (its body routes it to the agent's gate: auth/actor-gate-client.ts),
 * so only its hash reaches these statements.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { agents, agentTokens, vaultMembers, vaults, type RateLimitOverride, type VaultRole } from "../db/schema.ts";
import { newId, type IssuedToken } from "../lib/crypto/tokens.ts";

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

/** Creates an active agent `agentId` and its first token `issued` (stored as its hash only). */
export function newAgentStatements(db: Database, input: NewAgent, agentId: string, issued: IssuedToken, now = Date.now()) {
  return [
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
}

/** Revokes the agent's current token and stores `issued` as its new one (rotation, claim). */
export function newAgentTokenStatements(db: Database, companyId: string, agentId: string, issued: IssuedToken, now = Date.now()) {
  return [
    db
      .update(agentTokens)
      .set({ revokedAt: now })
      .where(and(eq(agentTokens.agentId, agentId), isNull(agentTokens.revokedAt))),
    db.insert(agentTokens).values({ id: newId("atk"), companyId, agentId, tokenHash: issued.hash, createdAt: now }),
  ] as const;
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
