/** Reading the audit log (writes are batched with each change: db/audit.ts). */
import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { auditLog } from "../db/schema.ts";

/** The API's page of the audit log: `auditEntries` with its action filter only. */
export function auditPage(db: Database, companyId: string, query: { limit: number; before?: number; action?: string }) {
  return auditEntries(db, companyId, query);
}

/** The console's audit filter: `auditPage`'s, plus who did it and a time range ([since, until)). */
export type AuditFilter = { limit: number; before?: number; action?: string; actorId?: string; since?: number; until?: number };

/** A page of the company's audit log under `filter`, newest first, one row more than asked (to know there is a next page). */
export async function auditEntries(db: Database, companyId: string, filter: AuditFilter) {
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.companyId, companyId),
        filter.before ? lt(auditLog.id, filter.before) : undefined,
        filter.action ? eq(auditLog.action, filter.action) : undefined,
        filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
        filter.since !== undefined ? gte(auditLog.createdAt, filter.since) : undefined,
        filter.until !== undefined ? lt(auditLog.createdAt, filter.until) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1)
    .all();
}

/** The actions the company's log holds, for the console's filter. */
export async function auditActions(db: Database, companyId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).where(eq(auditLog.companyId, companyId)).orderBy(auditLog.action).all();
  return rows.map((r) => r.action);
}
