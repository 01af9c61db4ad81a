/**
 * Paging both ways through a log whose ids grow with time (the audit log, the request log): a
 * page is read newest first below a `before` cursor, or just above an `after` cursor, and knows
 * whether there is more on each side, so a reader can go older and newer from any page.
 * Cursors are ids, not offsets, so rows written while someone reads shift nothing.
 */
import { asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** At most one of the two: `before` reads older entries than that id, `after` newer ones. */
export type IdCursor = { before?: number; after?: number };

/** A page, newest first, with the cursors to the pages on either side (null when there is nothing there). */
export type IdPage<Row> = { rows: Row[]; olderCursor: number | null; newerCursor: number | null };

/**
 * Reads `read(where, order, take)` as one page of `limit` rows.
 * `where` is the cursor's condition on `id` (to be and-ed with the caller's filters).
 * @example
 * const page = await pageById(auditLog.id, { after: 120 }, 50, (where, order, take) =>
 *   db.select().from(auditLog).where(and(mine, where)).orderBy(order).limit(take).all());
 */
export async function pageById<Row extends { id: number }>(
  id: SQLiteColumn,
  cursor: IdCursor,
  limit: number,
  read: (where: SQL | undefined, order: SQL, take: number) => Promise<Row[]>,
): Promise<IdPage<Row>> {
  const forward = cursor.after !== undefined;
  // One row more than asked says whether the page has a neighbour in the direction of travel.
  const rows = forward
    ? await read(gt(id, cursor.after ?? 0), asc(id), limit + 1)
    : await read(cursor.before !== undefined ? lt(id, cursor.before) : undefined, desc(id), limit + 1);
  const onward = rows.length > limit;
  const page = rows.slice(0, limit);
  if (forward) page.reverse();
  const newest = page[0];
  const oldest = page[page.length - 1];
  if (!newest || !oldest) return { rows: page, olderCursor: null, newerCursor: null };
  // Behind the page, where the reader came from: nothing is newer than the first page; otherwise one row says.
  const cameFrom = forward ? lt(id, oldest.id) : cursor.before !== undefined ? gt(id, newest.id) : undefined;
  const behind = cameFrom !== undefined && (await read(cameFrom, forward ? desc(id) : asc(id), 1)).length > 0;
  const older = forward ? behind : onward;
  const newer = forward ? onward : behind;
  return { rows: page, olderCursor: older ? oldest.id : null, newerCursor: newer ? newest.id : null };
}
