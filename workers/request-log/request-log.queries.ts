/** Reading the proxy's request log (request-log.writer.ts writes it). */
import { and, desc, eq, isNotNull, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { requestLog } from "../db/schema.ts";

export type RequestLogEntryRow = typeof requestLog.$inferSelect;

export type RequestLogFilter = {
  limit: number;
  /** Only entries with a smaller id (the previous page's `nextCursor`). */
  before?: number;
  actor?: string;
  service?: string;
  status?: number;
  /** "true": only refused requests; anything else: all. */
  denied?: "true" | "false";
};

/** One page of a vault's log, newest first, and the cursor of the next page (null on the last). */
export async function requestLogPage(
  db: Database,
  companyId: string,
  vaultId: string,
  q: RequestLogFilter,
): Promise<{ rows: RequestLogEntryRow[]; nextCursor: number | null }> {
  const rows = await db
    .select()
    .from(requestLog)
    .where(
      and(
        eq(requestLog.vaultId, vaultId),
        eq(requestLog.companyId, companyId),
        q.before ? lt(requestLog.id, q.before) : undefined,
        q.actor ? eq(requestLog.actorId, q.actor) : undefined,
        q.service ? eq(requestLog.service, q.service) : undefined,
        q.status ? eq(requestLog.status, q.status) : undefined,
        q.denied === "true" ? isNotNull(requestLog.denial) : undefined,
      ),
    )
    .orderBy(desc(requestLog.id))
    .limit(q.limit + 1)
    .all();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > q.limit && last ? last.id : null };
}
