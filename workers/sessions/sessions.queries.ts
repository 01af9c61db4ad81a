/** Vault sessions: reads, and the changes that mint and revoke them. */
import { and, count, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { sessionStillBacked } from "../db/ended-sessions.ts";
import { vaults, vaultSessions } from "../db/schema.ts";
import type { Principal } from "../lib/principal.ts";
import { AppError } from "../lib/app-error.ts";
import { MAX_LIVE_SESSIONS_PER_MINTER } from "./sessions.contract.ts";

export type VaultSessionRow = typeof vaultSessions.$inferSelect;
type VaultRow = typeof vaults.$inferSelect;

/**
 * A new session; its token is returned once by the caller and stored here as its hash. Refused
 * whole (`isGuardFailure`, then `sessionRefusal` says why) unless, as the batch lands, its minter
 * could still mint it — so a session minted while its minter is being disabled or losing its grant
 * either lands before that ending (which then revokes it) or not at all — and the minter holds at
 * most MAX_LIVE_SESSIONS_PER_MINTER live sessions in the vault, this one included.
 */
export function createSessionChange(db: Database, principal: Principal, session: Omit<VaultSessionRow, "revokedAt">, vaultName: string, ttlSeconds: number) {
  const s = vaultSessions;
  const mine = sql`${s.companyId} = ${session.companyId} AND ${s.vaultId} = ${session.vaultId} AND ${s.principalType} = ${session.principalType}
    AND ${s.principalId} = ${session.principalId} AND ${s.revokedAt} IS NULL AND ${s.expiresAt} > ${session.createdAt}`;
  const guard = sql`EXISTS (SELECT 1 FROM ${s} WHERE ${s.id} = ${session.id} AND ${sessionStillBacked(session.createdAt)})
    AND (SELECT count(*) FROM ${s} WHERE ${mine}) <= ${MAX_LIVE_SESSIONS_PER_MINTER}`;
  return change([
    db.insert(vaultSessions).values(session),
    auditStatement(
      db,
      principal,
      {
        action: "session.create",
        targetType: "vault",
        targetId: session.vaultId,
        detail: { session: session.id, vault: vaultName, ttl_seconds: ttlSeconds },
      },
      guard,
    ),
  ] as const);
}

/** Why a `createSessionChange` was refused: the minter's live sessions are at the cap, or it lost what backed the session. */
export async function sessionRefusal(db: Database, session: Omit<VaultSessionRow, "revokedAt">, vaultName: string): Promise<AppError> {
  const s = vaultSessions;
  const live = await db
    .select({ n: count() })
    .from(s)
    .where(
      and(
        eq(s.vaultId, session.vaultId),
        eq(s.principalType, session.principalType),
        eq(s.principalId, session.principalId),
        isNull(s.revokedAt),
        gt(s.expiresAt, Date.now()),
      ),
    )
    .get();
  if ((live?.n ?? 0) >= MAX_LIVE_SESSIONS_PER_MINTER) {
    return new AppError(
      429,
      "too_many_sessions",
      `You already hold ${MAX_LIVE_SESSIONS_PER_MINTER} live sessions in vault "${vaultName}": revoke those you no longer use (edgevault session list, edgevault session revoke)`,
      { headers: { "Retry-After": "60" } },
    );
  }
  return new AppError(403, "forbidden", `You can no longer mint sessions in vault "${vaultName}": your access changed while this one was minted`);
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
