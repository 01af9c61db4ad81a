/** Reading the audit log (writes are batched with each change: db/audit.ts). */
import { and, desc, eq, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { auditLog } from "../db/schema.ts";

/** A page of the company's audit log, newest first, one row more than asked (to know there is a next page). */
export async function auditPage(db: Database, companyId: string, query: { limit: number; before?: number; action?: string }) {
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.companyId, companyId),
        query.before ? lt(auditLog.id, query.before) : undefined,
        query.action ? eq(auditLog.action, query.action) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1)
    .all();
}
