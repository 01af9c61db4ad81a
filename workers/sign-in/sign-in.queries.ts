/** What a password sign-in reads: the accounts an address may open, and the companies to choose between. */
import { and, asc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { companies, users } from "../db/schema.ts";
import type { UserRow } from "../users/users.queries.ts";

/** The active accounts with a password under `email` (lower-cased), oldest first; only in `company` when it is named. */
export async function signInCandidates(db: Database, email: string, company: string | undefined, limit: number): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(
      and(eq(users.email, email), eq(users.status, "active"), isNotNull(users.passwordHash), company === undefined ? undefined : eq(users.companyId, company)),
    )
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(limit)
    .all();
}

/** The companies of these ids, by id, as the `company_required` refusal lists them. */
export async function companyChoices(db: Database, companyIds: readonly string[]): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: companies.id, name: companies.name })
    .from(companies)
    .where(inArray(companies.id, [...companyIds]))
    .orderBy(asc(companies.id))
    .all();
}
