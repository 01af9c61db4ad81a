/**
 * The proxy's request log: reading it, and its two writers' statements (request-log.writer.ts
 * for forwarded requests, durable-objects/gate-denials.ts for counted refusals).
 */
import { and, eq, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type IdCursor, type IdPage, pageById } from "../db/id-page.ts";
import { requestLog } from "../db/schema.ts";

export type RequestLogEntryRow = typeof requestLog.$inferSelect;
export type RequestLogRow = typeof requestLog.$inferInsert;

/**
 * Writes rows in one batch; with `pruneOlderThan`, also deletes their vaults' rows older than that.
 * Not a `Change`: the log records traffic, not a decision, so it has no audit row and ends
 * nothing (docs/architecture.md lists the writes that skip `commit`).
 */
export async function writeRequestLogRows(db: Database, rows: readonly RequestLogRow[], pruneOlderThan?: number): Promise<void> {
  const [first, ...rest] = rows.map((row) => db.insert(requestLog).values(row));
  if (!first) return;
  if (pruneOlderThan === undefined) {
    await db.batch([first, ...rest]);
    return;
  }
  const vaultIds = [...new Set(rows.map((r) => r.vaultId))];
  await db.batch([first, ...rest, db.delete(requestLog).where(and(inArray(requestLog.vaultId, vaultIds), lt(requestLog.createdAt, pruneOlderThan)))]);
}

/** `before` / `after`: older or newer than an entry, as `db/id-page.ts` pages. */
export type RequestLogFilter = IdCursor & {
  limit: number;
  actor?: string;
  service?: string;
  status?: number;
  /** "true": only refused requests; anything else: all. */
  denied?: "true" | "false";
};

/** One page of a vault's log, newest first, with the cursors either side (null where there is nothing). */
export async function requestLogPage(db: Database, companyId: string, vaultId: string, q: RequestLogFilter): Promise<IdPage<RequestLogEntryRow>> {
  const matching = and(
    eq(requestLog.vaultId, vaultId),
    eq(requestLog.companyId, companyId),
    q.actor ? eq(requestLog.actorId, q.actor) : undefined,
    q.service ? eq(requestLog.service, q.service) : undefined,
    q.status ? eq(requestLog.status, q.status) : undefined,
    q.denied === "true" ? isNotNull(requestLog.denial) : undefined,
  );
  return pageById(requestLog.id, q, q.limit, (cursor, order, take) =>
    db.select().from(requestLog).where(and(matching, cursor)).orderBy(order).limit(take).all(),
  );
}

/**
 * The console's view of the log (the traffic page): the filters of `requestLogPage` plus one
 * denial code (`denial`: "refused" for any refusal, else that code) and a window start, so the
 * table and the chart beside it count the same rows.
 */
export type RequestLogWindow = Omit<RequestLogFilter, "denied" | "limit" | keyof IdCursor> & { denial?: string; since: number };

export function windowWhere(companyId: string, vaultId: string, q: RequestLogWindow) {
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

/** A page of the window's entries, newest first, with the cursors either side. */
export async function requestLogWindowPage(
  db: Database,
  companyId: string,
  vaultId: string,
  q: RequestLogWindow & IdCursor & { limit: number },
): Promise<IdPage<RequestLogEntryRow>> {
  return pageById(requestLog.id, q, q.limit, (cursor, order, take) =>
    db
      .select()
      .from(requestLog)
      .where(and(windowWhere(companyId, vaultId, q), cursor))
      .orderBy(order)
      .limit(take)
      .all(),
  );
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
