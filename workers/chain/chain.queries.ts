/**
 * Writing an agent's attestation into its company's chain: one statement that numbers the record
 * inside its own transaction (max + 1, as the audit triggers do: migrations/0009_chain_records.sql),
 * so concurrent attestations get consecutive indexes and none is lost. Reading the chain is the
 * company's ChainSealer's (durable-objects/chain-sealer.queries.ts), which seals before it reads.
 */
import { sql } from "drizzle-orm";
import { type Change, change } from "../db/change.ts";
import { chainRecords } from "../db/chain-schema.ts";
import { addsToChain } from "../db/chained.ts";
import type { Database } from "../db/client.ts";

export type NewAttestation = { companyId: string; createdAt: number; payload: string; delegation: string | null };

/**
 * The record itself is the change: it has no audit row of its own, since the chain is where
 * audit events go (an attestation recorded twice would be two records). Its index comes back
 * from the insert.
 */
export function attestationChange(db: Database, record: NewAttestation) {
  const insert = db
    .insert(chainRecords)
    .select(
      sql`SELECT ${record.companyId}, coalesce(max(${chainRecords.recordIndex}), -1) + 1, ${record.createdAt}, ${record.payload}, ${record.delegation}
          FROM ${chainRecords} WHERE ${chainRecords.companyId} = ${record.companyId}`,
    )
    .returning({ index: chainRecords.recordIndex });
  return change([addsToChain(insert, record.companyId)] as const) satisfies Change;
}
