/** Vault sessions: reads, and the changes that mint and revoke them. */
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { vaults, vaultSessions } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";

export type VaultSessionRow = typeof vaultSessions.$inferSelect;
type VaultRow = typeof vaults.$inferSelect;

/** A new session; its token is returned once by the caller and stored here as its hash. */
export function createSessionChange(db: Database, principal: Principal, session: Omit<VaultSessionRow, "revokedAt">, vaultName: string, ttlSeconds: number) {
  return change([
    db.insert(vaultSessions).values(session),
    auditStatement(db, principal, {
      action: "session.create",
      targetType: "vault",
      targetId: session.vaultId,
      detail: { session: session.id, vault: vaultName, ttl_seconds: ttlSeconds },
    }),
  ] as const);
}

/**
 * The vault's live sessions, newest first: all of them, or only those `only` names (one session
 * by id, or those minted by one principal).
 */
export async function listLiveSessions(
  db: Database,
  vaultId: string,
  only: { sessionId: string } | { mintedBy: string } | undefined,
  now: number,
): Promise<VaultSessionRow[]> {
  const mine = only === undefined ? undefined : "sessionId" in only ? eq(vaultSessions.id, only.sessionId) : eq(vaultSessions.principalId, only.mintedBy);
  return db
    .select()
    .from(vaultSessions)
    .where(and(eq(vaultSessions.vaultId, vaultId), isNull(vaultSessions.revokedAt), gt(vaultSessions.expiresAt, now), mine))
    .orderBy(desc(vaultSessions.createdAt))
    .all();
}

/** An unrevoked session of the company, with its vault. */
export async function findUnrevokedSession(db: Database, companyId: string, id: string): Promise<{ session: VaultSessionRow; vault: VaultRow } | undefined> {
  return db
    .select({ session: vaultSessions, vault: vaults })
    .from(vaultSessions)
    .innerJoin(vaults, eq(vaults.id, vaultSessions.vaultId))
    .where(and(eq(vaultSessions.id, id), eq(vaultSessions.companyId, companyId), isNull(vaultSessions.revokedAt)))
    .get();
}

/** Revokes a session; its minter's gate, which admits it, re-reads. */
export function revokeSessionChange(db: Database, principal: Principal, session: VaultSessionRow, now: number) {
  return change(
    [
      db.update(vaultSessions).set({ revokedAt: now }).where(eq(vaultSessions.id, session.id)),
      auditStatement(db, principal, { action: "session.revoke", targetType: "vault", targetId: session.vaultId, detail: { session: session.id } }),
    ] as const,
    { roots: [{ type: session.principalType, id: session.principalId }] },
  );
}
