/**
 * The traffic page's totals over its window: per service and per caller, how many requests, how
 * many went wrong (refused by the edge, or a 4xx/5xx from the upstream) and the median time of
 * those forwarded (a refusal's time says nothing about the upstream). A row standing for several
 * refusals (a 429 count) counts as many; the busiest first, at most `TOTALS_SHOWN`.
 */
import { and, desc, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { requestLog } from "../db/schema.ts";
import { type RequestLogWindow, windowWhere } from "./request-log.queries.ts";

export const TOTALS_SHOWN = 20;

/** `actorType`: the caller's kind, for totals by caller (the key is then its id). */
export type TrafficTotal = { key: string; actorType: string; requests: number; errors: number; p50Ms: number | null };

/** Totals by service (`""` for requests no service matched) or by caller (the log's actor id). */
export async function trafficTotals(
  db: Database,
  companyId: string,
  vaultId: string,
  window: RequestLogWindow,
  by: "service" | "caller",
): Promise<TrafficTotal[]> {
  const group = by === "service" ? sql<string>`coalesce(${requestLog.service}, '')` : sql<string>`${requestLog.actorId}`;
  const where = windowWhere(companyId, vaultId, window);
  const totals = await db
    .select({
      key: group,
      actorType: sql<string>`max(${requestLog.actorType})`,
      requests: sql<number>`sum(${requestLog.count})`,
      errors: sql<number>`sum(case when ${requestLog.denial} is not null or ${requestLog.status} >= 400 then ${requestLog.count} else 0 end)`,
    })
    .from(requestLog)
    .where(where)
    .groupBy(group)
    .orderBy(desc(sql`sum(${requestLog.count})`))
    .limit(TOTALS_SHOWN)
    .all();
  if (totals.length === 0) return [];
  // The median of each group's forwarded requests: the middle one by time (the lower of two).
  const ranked = db
    .select({
      key: sql<string>`${group}`.as("key"),
      latency: sql<number>`${requestLog.latencyMs}`.as("latency"),
      rank: sql<number>`row_number() over (partition by ${group} order by ${requestLog.latencyMs})`.as("rank"),
      size: sql<number>`count(*) over (partition by ${group})`.as("size"),
    })
    .from(requestLog)
    .where(and(where, isNull(requestLog.denial)))
    .as("ranked");
  const medians = await db.select({ key: ranked.key, latency: ranked.latency }).from(ranked).where(sql`${ranked.rank} = (${ranked.size} + 1) / 2`).all();
  const p50 = new Map(medians.map((m) => [m.key, Number(m.latency)]));
  return totals.map((t) => ({ key: t.key, actorType: t.actorType, requests: Number(t.requests), errors: Number(t.errors), p50Ms: p50.get(t.key) ?? null }));
}
