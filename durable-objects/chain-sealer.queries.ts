/** The ChainSealer's D1 reads: a company's chain records from an index on, in order. */
import { and, asc, eq, gte } from "drizzle-orm";
import { type ChainRecordRow, chainRecords } from "../workers/db/chain-schema.ts";
import type { Database } from "../workers/db/client.ts";

export type { ChainRecordRow } from "../workers/db/chain-schema.ts";

/** Up to `limit` of the company's records from index `from`, by index (a gap shows as a missing index). */
export async function chainRows(db: Database, companyId: string, from: number, limit: number): Promise<ChainRecordRow[]> {
  return db
    .select()
    .from(chainRecords)
    .where(and(eq(chainRecords.companyId, companyId), gte(chainRecords.recordIndex, from)))
    .orderBy(asc(chainRecords.recordIndex))
    .limit(limit)
    .all();
}
