/** Company and API key queries. */
import { and, count, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { apiKeys, companies, users } from "../db/schema.ts";
import { newId, tokenPrefix, type TokenMinter } from "../lib/tokens.ts";
import { iso } from "../lib/openapi.ts";

export type CompanyRow = typeof companies.$inferSelect;

export const companyView = (row: CompanyRow) => ({ id: row.id, name: row.name, signing_alg: row.signingAlg, created_at: iso(row.createdAt) ?? "" });

export async function findCompany(db: Database, id: string): Promise<CompanyRow | undefined> {
  return db.select().from(companies).where(eq(companies.id, id)).get();
}

/** Mints an API key and returns the insert statement plus the one-time view with the token. */
export async function newApiKey(db: Database, mint: TokenMinter, companyId: string, label: string, createdBy: string | null) {
  const issued = await mint("companyKey");
  const id = newId("key");
  const now = Date.now();
  const row = { id, companyId, label, prefix: tokenPrefix(issued.token), tokenHash: issued.hash, createdBy, createdAt: now };
  return {
    statement: db.insert(apiKeys).values(row),
    view: { id, label, prefix: row.prefix, token: issued.token, created_at: iso(now) ?? "" },
  };
}

export async function countActiveOwnerCredentials(db: Database, companyId: string): Promise<number> {
  const keys = await db.select({ n: count() }).from(apiKeys).where(and(eq(apiKeys.companyId, companyId), isNull(apiKeys.revokedAt))).get();
  const owners = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.role, "owner"), eq(users.status, "active")))
    .get();
  return (keys?.n ?? 0) + (owners?.n ?? 0);
}
