/**
 * A company's CA key in D1: read it, and insert the first one (first writer wins, so parallel first
 * uses all end up with the same key). Not a `Change`: made on first use, nobody decides anything
 * and nothing cached must be invalidated (docs/architecture.md, writes that skip `commit`).
 */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { caKeys } from "../db/passports.schema.ts";

export type CaKeyRow = typeof caKeys.$inferSelect;

export async function findCaKey(db: Database, companyId: string): Promise<CaKeyRow | undefined> {
  return db.select().from(caKeys).where(eq(caKeys.companyId, companyId)).get();
}

/** Inserts `row` unless the company already has a CA key; the caller reads back whichever won. */
export async function insertCaKeyIfNone(db: Database, row: typeof caKeys.$inferInsert): Promise<void> {
  await db.insert(caKeys).values(row).onConflictDoNothing({ target: caKeys.companyId });
}
