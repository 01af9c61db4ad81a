/**
 * CLI logins' reads and writes. Each write records what happened (started, decided by its person,
 * collected once) and is guarded on the state it expects, in the statement itself, so a replayed
 * poll, a second confirmation or a race between two never passes twice. None goes through
 * `commit`: like signing in, a login changes nobody's rights (architecture.md, "Writes that skip
 * commit").
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client.ts";
import { cliLogins } from "../db/cli-logins.schema.ts";
import { userSessions } from "../db/schema.ts";

export type CliLoginRow = typeof cliLogins.$inferSelect;

/** How long a finished login's row is kept after it expired, before a later start clears it. */
const KEEP_FINISHED_MS = 24 * 3600 * 1000;

const Inserted = z.array(z.object({ id: z.string() }));

/**
 * Stores a new login unless its client address already has `maxPending` waiting: the count is the
 * insert's own guard, so parallel starts cannot all pass it. Clears long-expired rows first.
 * Resolves false when the cap refused it.
 */
export async function insertCliLogin(
  db: Database,
  row: Pick<CliLoginRow, "id" | "deviceCodeHash" | "userCode" | "companyId" | "clientName" | "clientAddress" | "createdAt" | "expiresAt">,
  maxPending: number,
): Promise<boolean> {
  await db.delete(cliLogins).where(sql`${cliLogins.expiresAt} < ${row.createdAt - KEEP_FINISHED_MS}`);
  const inserted = await db.all(sql`
    INSERT INTO cli_logins (id, device_code_hash, user_code, company_id, client_name, client_address, status, created_at, expires_at)
    SELECT ${row.id}, ${row.deviceCodeHash}, ${row.userCode}, ${row.companyId}, ${row.clientName}, ${row.clientAddress}, 'pending', ${row.createdAt}, ${row.expiresAt}
    WHERE (SELECT count(*) FROM cli_logins WHERE client_address IS ${row.clientAddress} AND status = 'pending' AND expires_at > ${row.createdAt}) < ${maxPending}
    RETURNING id`);
  return Inserted.parse(inserted).length === 1;
}

export async function findCliLoginByDeviceCode(db: Database, deviceCodeHash: string): Promise<CliLoginRow | undefined> {
  return db.select().from(cliLogins).where(eq(cliLogins.deviceCodeHash, deviceCodeHash)).get();
}

export async function findCliLoginByUserCode(db: Database, userCode: string): Promise<CliLoginRow | undefined> {
  return db.select().from(cliLogins).where(eq(cliLogins.userCode, userCode)).get();
}

/** Counts a poll, unless the previous one was less than `minGapMs` ago; false: too soon (`slow_down`). */
export async function notePoll(db: Database, id: string, now: number, minGapMs: number): Promise<boolean> {
  const noted = await db
    .update(cliLogins)
    .set({ lastPolledAt: now })
    .where(and(eq(cliLogins.id, id), sql`(${cliLogins.lastPolledAt} IS NULL OR ${cliLogins.lastPolledAt} <= ${now - minGapMs})`))
    .returning({ id: cliLogins.id });
  return noted.length === 1;
}

/**
 * A person's decision, only on a login still pending and unexpired that is open to their company
 * (asked for it, or for none: it becomes theirs). False when it was not so at write time.
 */
export async function decideCliLogin(
  db: Database,
  id: string,
  decision: { status: "approved" | "denied"; userId: string; companyId: string; sessionUntil: number | null },
  now: number,
): Promise<boolean> {
  const decided = await db
    .update(cliLogins)
    .set({ status: decision.status, userId: decision.userId, companyId: decision.companyId, decidedAt: now, sessionUntil: decision.sessionUntil })
    .where(
      and(
        eq(cliLogins.id, id),
        eq(cliLogins.status, "pending"),
        sql`${cliLogins.expiresAt} > ${now}`,
        sql`(${cliLogins.companyId} IS NULL OR ${cliLogins.companyId} = ${decision.companyId})`,
      ),
    )
    .returning({ id: cliLogins.id });
  return decided.length === 1;
}

/** Marks an approved login collected, once: false when another poll took it first, or it expired. */
export async function collectCliLogin(db: Database, id: string, now: number): Promise<boolean> {
  const collected = await db
    .update(cliLogins)
    .set({ status: "collected" })
    .where(and(eq(cliLogins.id, id), eq(cliLogins.status, "approved"), sql`${cliLogins.expiresAt} > ${now}`))
    .returning({ id: cliLogins.id });
  return collected.length === 1;
}

/** The end of a person's session when it came through the company's identity provider (null: it did not, or is gone). */
export async function ssoSessionEnd(db: Database, companyId: string, sessionId: string): Promise<number | null> {
  const row = await db
    .select({ viaSso: userSessions.viaSso, expiresAt: userSessions.expiresAt })
    .from(userSessions)
    .where(and(eq(userSessions.companyId, companyId), eq(userSessions.id, sessionId)))
    .get();
  return row?.viaSso ? row.expiresAt : null;
}
