/**
 * Passports in D1: the record of each one issued (never the token), and its revocation. Issuing
 * and rotating are guarded by their audit rows: the new passport must be backed by its agent as
 * the batch leaves it (db/ended-passports.ts `passportStillBacked`) and the agent must hold fewer
 * than `MAX_LIVE_PASSPORTS_PER_AGENT`, so a passport issued while its agent is disabled, renamed,
 * rotated or re-granted never lands, and parallel issuance cannot pass one count.
 */
import { and, asc, eq, gt, isNotNull, isNull, or, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { passportStillBacked } from "../db/ended-passports.ts";
import { agentTokens } from "../db/schema.ts";
import { passports } from "../db/passports.schema.ts";
import type { Principal } from "../lib/principal.ts";

export type PassportRow = typeof passports.$inferSelect;
export type NewPassportRow = typeof passports.$inferInsert & { jti: string; agentId: string; expiresAt: number };

/** Live (unexpired, unrevoked) passports one agent may hold at once. */
export const MAX_LIVE_PASSPORTS_PER_AGENT = 100;
/**
 * Passports issued (or rotated) for one agent per `ISSUANCE_WINDOW_MS`, revoked ones included: the
 * live cap alone let an agent issue and revoke in a loop, each revocation an entry of the revoked
 * list until its passport expires. With this, one agent adds at most 100 an hour to it.
 */
export const MAX_PASSPORTS_ISSUED_PER_WINDOW = 100;
export const ISSUANCE_WINDOW_MS = 60 * 60 * 1000;

export async function findPassport(db: Database, companyId: string, jti: string): Promise<PassportRow | undefined> {
  return db
    .select()
    .from(passports)
    .where(and(eq(passports.companyId, companyId), eq(passports.jti, jti)))
    .get();
}

/** The agent's unrevoked token, if it has one (Vane-registered agents have none). */
export async function liveAgentTokenId(db: Database, agentId: string): Promise<string | null> {
  const row = await db
    .select({ id: agentTokens.id })
    .from(agentTokens)
    .where(and(eq(agentTokens.agentId, agentId), isNull(agentTokens.revokedAt)))
    .get();
  return row?.id ?? null;
}

/** Where a page of the revoked list starts: after this revocation (its time, then its jti, as the list is ordered). */
export type RevokedCursor = { revokedAt: number; jti: string };

/**
 * A page of the company's revoked passports that have not expired yet (an expired one is refused
 * by its `exp`), oldest revocation first, after `cursor`; one more than `limit` is read to tell
 * whether another page follows.
 */
export async function revokedPassports(db: Database, companyId: string, now: number, page: { limit: number; after?: RevokedCursor }): Promise<PassportRow[]> {
  const { after } = page;
  return db
    .select()
    .from(passports)
    .where(
      and(
        eq(passports.companyId, companyId),
        isNotNull(passports.revokedAt),
        gt(passports.expiresAt, now),
        after ? or(gt(passports.revokedAt, after.revokedAt), and(eq(passports.revokedAt, after.revokedAt), gt(passports.jti, after.jti))) : undefined,
      ),
    )
    .orderBy(asc(passports.revokedAt), asc(passports.jti))
    .limit(page.limit + 1)
    .all();
}

/** How many passports were issued for the agent since `since` (revoked or not), and when the oldest of them was. */
export async function passportsIssuedSince(db: Database, agentId: string, since: number): Promise<{ count: number; oldest: number | null }> {
  const row = await db
    .select({ count: sql<number>`count(*)`, oldest: sql<number | null>`min(${passports.issuedAt})` })
    .from(passports)
    .where(and(eq(passports.agentId, agentId), gt(passports.issuedAt, since)))
    .get();
  return { count: row?.count ?? 0, oldest: row?.oldest ?? null };
}

/**
 * True when the passport `jti` exists and is still backed, its agent holds fewer than the cap of
 * live passports besides it, and fewer than the issuance cap were issued for it in the window.
 */
const issuable = (row: NewPassportRow, now: number) =>
  sql`EXISTS (SELECT 1 FROM ${passports} WHERE ${passports.jti} = ${row.jti} AND ${passportStillBacked()})
    AND (SELECT count(*) FROM ${passports} WHERE ${passports.agentId} = ${row.agentId} AND ${passports.revokedAt} IS NULL
      AND ${passports.expiresAt} > ${now} AND ${passports.jti} != ${row.jti}) < ${MAX_LIVE_PASSPORTS_PER_AGENT}
    AND (SELECT count(*) FROM ${passports} WHERE ${passports.agentId} = ${row.agentId} AND ${passports.issuedAt} > ${now - ISSUANCE_WINDOW_MS}
      AND ${passports.jti} != ${row.jti}) < ${MAX_PASSPORTS_ISSUED_PER_WINDOW}`;

/** What a passport's audit row says: names, scopes and lifetimes, never the token. */
const issueDetail = (row: NewPassportRow, agentName: string) => ({
  jti: row.jti,
  agent: agentName,
  scopes: row.scopes,
  expiresAt: new Date(row.expiresAt).toISOString(),
});

/** Records an issued passport, guarded by `issuable` (its audit row comes after the insert, so it sees the row). */
export function issuePassportChange(db: Database, principal: Principal, row: NewPassportRow, now: number) {
  return change([
    db.insert(passports).values(row),
    auditStatement(
      db,
      principal,
      { action: "passport.issue", targetType: "agent", targetId: row.agentName, detail: issueDetail(row, row.agentName) },
      issuable(row, now),
    ),
  ] as const);
}

const livePassport = (companyId: string, jti: string) => and(eq(passports.companyId, companyId), eq(passports.jti, jti), isNull(passports.revokedAt));

/**
 * Rotation (Vane): the presented passport revoked (`rotated`) and its successor recorded, in one
 * batch guarded by both: the old one still unrevoked when the batch begins, the new one issuable.
 */
export function rotatePassportChange(db: Database, principal: Principal, oldJti: string, row: NewPassportRow, now: number) {
  const stillLive = sql`NOT EXISTS (SELECT 1 FROM ${passports} WHERE ${passports.jti} = ${oldJti} AND ${passports.revokedAt} IS NOT NULL)`;
  return change([
    auditStatement(
      db,
      principal,
      { action: "passport.rotate", targetType: "agent", targetId: row.agentName, detail: { rotatedFrom: oldJti, jti: row.jti } },
      stillLive,
    ),
    db.update(passports).set({ revokedAt: now, reason: "rotated" }).where(livePassport(row.companyId, oldJti)),
    db.insert(passports).values(row),
    auditStatement(
      db,
      principal,
      { action: "passport.issue", targetType: "agent", targetId: row.agentName, detail: issueDetail(row, row.agentName) },
      issuable(row, now),
    ),
  ] as const);
}

/** Revokes one passport, guarded: a passport revoked meanwhile fails the batch (the caller says 409). */
export function revokePassportChange(db: Database, principal: Principal, passport: PassportRow, reason: string | null, now: number) {
  const stillLive = sql`EXISTS (SELECT 1 FROM ${passports} WHERE ${livePassport(passport.companyId, passport.jti)})`;
  return change([
    auditStatement(
      db,
      principal,
      { action: "passport.revoke", targetType: "agent", targetId: passport.agentName, detail: { jti: passport.jti, ...(reason ? { reason } : {}) } },
      stillLive,
    ),
    db.update(passports).set({ revokedAt: now, reason }).where(livePassport(passport.companyId, passport.jti)),
  ] as const);
}
