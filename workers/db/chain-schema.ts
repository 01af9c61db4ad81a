/**
 * The attestation chain's records in D1 (its own file: schema.ts is past the size a file should
 * have). One row per record, numbered per company from 0 with no gap: audit events get theirs
 * from triggers on `audit_log` and `request_log` in the very statement that writes the event
 * (migrations/0009_chain_records.sql), agents' attestations from `POST /v1/attest`'s insert. A
 * row holds what its record says; its hash and signature are the company's `ChainSealer`'s
 * (durable-objects/chain-sealer.ts), which seals rows in index order into an RFC 9162 tree.
 * Triggers refuse to update a row, or delete one while its company exists.
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { companies } from "./schema.ts";

export const chainRecords = sqliteTable(
  "chain_records",
  {
    companyId: text("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    /** Vane's `index`: 0, 1, 2… per company, assigned inside the writing transaction (max + 1). */
    recordIndex: integer("record_index").notNull(),
    /** Epoch milliseconds; the record's `timestamp` is its ISO 8601 form. */
    createdAt: integer("created_at").notNull(),
    /** The record's `payload`, as JSON text. */
    payload: text("payload").notNull(),
    /** Vane's `delegation` (the verified delegation token's subject, chain, act and id) as JSON text, when one was bound. */
    delegation: text("delegation"),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.recordIndex] })],
);

export type ChainRecordRow = typeof chainRecords.$inferSelect;
