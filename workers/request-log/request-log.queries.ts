/**
 * The proxy's request log: reading it, and its two writers' statements (request-log.writer.ts
 * for forwarded requests, durable-objects/gate-denials.ts for counted refusals).
 */
import { and, eq, getTableColumns, getTableName, gte, inArray, is, isNotNull, lt, SQL, sql } from "drizzle-orm";
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
  if (rows.length === 0) return;
  const d1 = db.$client;
  const insert = rowsInsert();
  const writes: D1PreparedStatement[] = [];
  let run: unknown[][] = [];
  const endRun = () => {
    if (run.length > 0) writes.push(d1.prepare(insert.sql).bind(JSON.stringify(run)));
    run = [];
  };
  for (const row of rows) {
    if (insert.columns.every((column) => row[column] !== undefined || column in plainDefaults)) {
      run.push(insert.columns.map((column) => row[column] ?? plainDefaults[column] ?? null));
      if (run.length === ROWS_PER_STATEMENT) endRun();
    } else {
      // A row leaving a column to its SQL default (`created_at`) is written as drizzle writes it, in its place.
      endRun();
      writes.push(statementOf(d1, db.insert(requestLog).values(row)));
    }
  }
  endRun();
  if (pruneOlderThan !== undefined) {
    const vaultIds = [...new Set(rows.map((r) => r.vaultId))];
    writes.push(statementOf(d1, db.delete(requestLog).where(and(inArray(requestLog.vaultId, vaultIds), lt(requestLog.createdAt, pruneOlderThan)))));
  }
  await d1.batch(writes);
}

type Column = keyof RequestLogRow;

/** The columns with a plain default, and their defaults; `null` for the nullable ones. */
const plainDefaults: Partial<Record<Column, unknown>> = Object.fromEntries(
  Object.entries(getTableColumns(requestLog)).flatMap(([name, column]) =>
    column.primary ? [] : column.hasDefault && !is(column.default, SQL) ? [[name, column.default as unknown]] : column.notNull ? [] : [[name, null as unknown]],
  ),
);

/** At most this many rows go in one statement (a row is at most about 1.5 KiB of JSON: host and path are capped). */
const ROWS_PER_STATEMENT = 100;

/**
 * The batch's INSERT, made once per isolate: consecutive rows go in one statement as one JSON
 * parameter, an array of each row's values in `columns` order, which SQLite's `json_each` turns
 * back into rows, in order (the attestation trigger still fires once per row). A statement per row
 * cost D1 about 0.1 ms a row, and one per batch 0.035 (bench/README.md, issue 24); a row's values
 * are bound, never spliced into the SQL.
 */
let rowsInsertMade: { sql: string; columns: Column[] } | undefined;

function rowsInsert(): { sql: string; columns: Column[] } {
  if (!rowsInsertMade) {
    const columns = Object.entries(getTableColumns(requestLog)).filter(([, column]) => !column.primary);
    const names = columns.map(([, column]) => `"${column.name}"`).join(", ");
    const values = columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
    rowsInsertMade = {
      sql: `INSERT INTO "${getTableName(requestLog)}" (${names}) SELECT ${values} FROM json_each(?) ORDER BY key`,
      columns: columns.map(([name]) => name as Column),
    };
  }
  return rowsInsertMade;
}

/** A drizzle statement as a D1 statement, for a batch that mixes both. */
function statementOf(d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const { sql: text, params } = query.toSQL();
  return d1.prepare(text).bind(...params);
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
