/** Reading the proxy's request log (request-log.writer.ts writes it). */
import { and, desc, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
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

/**
 * The console's view of the log (the traffic page): the filters of `requestLogPage` plus one
 * denial code (`denial`: "refused" for any refusal, else that code) and a window start, so the
 * table and the chart beside it count the same rows.
 */
export type RequestLogWindow = Omit<RequestLogFilter, "denied" | "limit"> & { denial?: string; since: number };

function windowWhere(companyId: string, vaultId: string, q: RequestLogWindow) {
  return and(
    eq(requestLog.vaultId, vaultId),
    eq(requestLog.companyId, companyId),
    gte(requestLog.createdAt, q.since),
    q.actor ? eq(requestLog.actorId, q.actor) : undefined,
    q.service ? eq(requestLog.service, q.service) : undefined,
    q.status ? eq(requestLog.status, q.status) : undefined,
    q.denial === "refused" ? isNotNull(requestLog.denial) : q.denial ? eq(requestLog.denial, q.denial) : undefined,
  );
}

/** A page of the window's entries, newest first, and the cursor of the next page (null on the last). */
export async function requestLogWindowPage(db: Database, companyId: string, vaultId: string, q: RequestLogWindow & { limit: number }) {
  const rows = await db
    .select()
    .from(requestLog)
    .where(and(windowWhere(companyId, vaultId, q), q.before ? lt(requestLog.id, q.before) : undefined))
    .orderBy(desc(requestLog.id))
    .limit(q.limit + 1)
    .all();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > q.limit && last ? last.id : null };
}

/**
 * Requests and refusals per time bucket of `bucketMs` since the window's start (buckets with
 * none are absent). A row standing for several refused requests (a 429 count) counts as many.
 */
export async function requestLogBuckets(db: Database, companyId: string, vaultId: string, q: RequestLogWindow, bucketMs: number) {
  const bucket = sql<number>`cast((${requestLog.createdAt} - ${q.since}) / ${bucketMs} as integer)`;
  return db
    .select({
      bucket,
      requests: sql<number>`sum(${requestLog.count})`,
      denials: sql<number>`sum(case when ${requestLog.denial} is not null then ${requestLog.count} else 0 end)`,
    })
    .from(requestLog)
    .where(windowWhere(companyId, vaultId, q))
    .groupBy(bucket)
    .orderBy(bucket)
    .all();
}

/** The refusal codes seen in the vault since `since`, for the traffic page's denial filter. */
export async function requestLogDenialCodes(db: Database, companyId: string, vaultId: string, since: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ denial: requestLog.denial })
    .from(requestLog)
    .where(and(eq(requestLog.vaultId, vaultId), eq(requestLog.companyId, companyId), gte(requestLog.createdAt, since), isNotNull(requestLog.denial)))
    .orderBy(requestLog.denial)
    .all();
  return rows.map((r) => r.denial ?? "").filter((d) => d !== "");
}
