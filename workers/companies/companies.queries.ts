/** Companies, their API keys and their wrapped data keys: reads, and the changes that write them. */
import { and, desc, eq, isNotNull, isNull, ne, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { apiKeys, companies, users, vaults } from "../db/schema.ts";
import { companySso } from "../db/sso.schema.ts";
import { DEFAULT_VAULT } from "./companies.contract.ts";
import { newId, tokenPrefix, type TokenMinter } from "../lib/crypto/tokens.ts";
import { iso } from "../lib/openapi.ts";
import type { Principal } from "../lib/principal.ts";

export type CompanyRow = typeof companies.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export const companyView = (row: CompanyRow) => ({ id: row.id, name: row.name, signing_alg: row.signingAlg, created_at: iso(row.createdAt) ?? "" });

export const apiKeyView = (row: ApiKeyRow) => ({
  id: row.id,
  label: row.label,
  prefix: row.prefix,
  created_at: iso(row.createdAt) ?? "",
  last_used_at: iso(row.lastUsedAt),
});

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

export type NewApiKey = Awaited<ReturnType<typeof newApiKey>>;

/** A new company (platform operator) with its first owner key and its `default` vault. */
export function createCompanyChange(db: Database, company: CompanyRow, key: NewApiKey) {
  return change([
    db.insert(companies).values(company),
    db.insert(vaults).values({
      id: newId("vlt"),
      companyId: company.id,
      name: DEFAULT_VAULT,
      createdBy: "platform",
      createdAt: company.createdAt,
      updatedAt: company.createdAt,
    }),
    key.statement,
    auditStatement(
      db,
      { kind: "platform", companyId: company.id },
      { action: "company.create", targetType: "company", targetId: company.id, detail: { name: company.name } },
    ),
  ] as const);
}

export function createApiKeyChange(db: Database, principal: Principal, key: NewApiKey) {
  return change([
    key.statement,
    auditStatement(db, principal, { action: "api_key.create", targetType: "api_key", targetId: key.view.id, detail: { label: key.view.label } }),
  ] as const);
}

/** The company's unrevoked API keys, newest first. */
export async function listActiveApiKeys(db: Database, companyId: string): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.companyId, companyId), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt))
    .all();
}

const activeApiKey = (companyId: string, id: string) => and(eq(apiKeys.id, id), eq(apiKeys.companyId, companyId), isNull(apiKeys.revokedAt));

export async function activeApiKeyExists(db: Database, companyId: string, id: string): Promise<boolean> {
  return (await db.select({ id: apiKeys.id }).from(apiKeys).where(activeApiKey(companyId, id)).get()) !== undefined;
}

/** Key `id` of the company, while it is unrevoked. */
export async function findActiveApiKey(db: Database, companyId: string, id: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(activeApiKey(companyId, id)).get();
}

/**
 * True while key `id` is unrevoked and the company has another owner credential (an unrevoked key
 * or an active owner person): checked inside the revocation's batch, so two parallel revocations
 * cannot both leave the other one as the last credential and then revoke it too. While the
 * company's single sign-on has password sign-in off, people do not count: an owner signs in only
 * through the identity provider, and a key is the way back when it is down (docs/sso.md).
 */
const revocableKey = (companyId: string, id: string) =>
  sql`EXISTS (SELECT 1 FROM ${apiKeys} WHERE ${activeApiKey(companyId, id)})
    AND (SELECT count(*) FROM ${apiKeys} WHERE ${apiKeys.companyId} = ${companyId} AND ${apiKeys.revokedAt} IS NULL AND ${apiKeys.id} != ${id})
      + (CASE WHEN EXISTS (SELECT 1 FROM ${companySso} WHERE ${companySso.companyId} = ${companyId} AND ${companySso.passwordSignIn} = 0) THEN 0
          ELSE (SELECT count(*) FROM ${users} WHERE ${users.companyId} = ${companyId} AND ${users.role} = 'owner' AND ${users.status} = 'active') END) > 0`;

/**
 * Revokes a key, guarded by `revocableKey` (the audit row comes first so it sees the key still
 * unrevoked); vault sessions minted with it end with it (its gate re-reads).
 */
export function revokeApiKeyChange(db: Database, principal: Principal, id: string, now: number) {
  return change(
    [
      auditStatement(db, principal, { action: "api_key.revoke", targetType: "api_key", targetId: id }, revocableKey(principal.companyId, id)),
      db.update(apiKeys).set({ revokedAt: now }).where(activeApiKey(principal.companyId, id)),
    ] as const,
    { roots: [{ type: "company_key", id }] },
  );
}

/** Up to `limit` companies whose data key is wrapped under a master key other than `currentVersion`. */
export async function companiesWithStaleDataKey(db: Database, currentVersion: number, limit: number): Promise<CompanyRow[]> {
  return db
    .select()
    .from(companies)
    .where(and(isNotNull(companies.dataKeyWrapped), ne(companies.dataKeyVersion, currentVersion)))
    .limit(limit)
    .all();
}

/** Stores a re-wrapped data key, compare-and-set on the old wrapped value: a concurrent rotation cannot clobber this one. */
export function rewrapDataKeyChange(db: Database, companyId: string, stored: { wrapped: string; version: number }, next: { wrapped: string; version: number }) {
  return change([
    db
      .update(companies)
      .set({ dataKeyWrapped: next.wrapped, dataKeyVersion: next.version })
      .where(and(eq(companies.id, companyId), eq(companies.dataKeyWrapped, stored.wrapped))),
    auditStatement(
      db,
      { kind: "platform", companyId },
      {
        action: "master_key.rewrap",
        targetType: "company",
        targetId: companyId,
        detail: { from_version: stored.version, to_version: next.version },
      },
    ),
  ] as const);
}
