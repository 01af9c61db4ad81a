/**
 * Company single sign-on: a company's provider and its domains (reads, and the changes that set or
 * remove them), which companies refuse password sign-in, and the people a provider signs in for
 * the first time (provisioned, or an invited person activated).
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { type Change, change } from "../db/change.ts";
import { addsToChain } from "../db/chained.ts";
import type { Database } from "../db/client.ts";
import { apiKeys, auditLog, invites, users } from "../db/schema.ts";
import { companySso, companySsoDomains } from "../db/sso.schema.ts";
import type { Principal } from "../lib/principal.ts";
import type { UserRow } from "../users/users.queries.ts";

export type CompanySsoRow = typeof companySso.$inferSelect;
export type CompanySso = CompanySsoRow & { domains: string[] };

export async function findCompanySso(db: Database, companyId: string): Promise<CompanySso | undefined> {
  const [rows, domains] = await db.batch([
    db.select().from(companySso).where(eq(companySso.companyId, companyId)),
    db.select({ domain: companySsoDomains.domain }).from(companySsoDomains).where(eq(companySsoDomains.companyId, companyId)).orderBy(companySsoDomains.domain),
  ]);
  const row = rows[0];
  return row ? { ...row, domains: domains.map((d) => d.domain) } : undefined;
}

/** The company whose provider an address of `domain` signs in with, if any. */
export async function companyOfDomain(db: Database, domain: string): Promise<string | undefined> {
  return (await db.select({ companyId: companySsoDomains.companyId }).from(companySsoDomains).where(eq(companySsoDomains.domain, domain)).get())?.companyId;
}

/** Which of these companies signs people in through their provider only. */
export async function companiesWithoutPasswordSignIn(db: Database, companyIds: readonly string[]): Promise<Set<string>> {
  if (companyIds.length === 0) return new Set();
  const rows = await db
    .select({ companyId: companySso.companyId })
    .from(companySso)
    .where(and(inArray(companySso.companyId, [...new Set(companyIds)]), eq(companySso.passwordSignIn, false)))
    .all();
  return new Set(rows.map((r) => r.companyId));
}

/** The domains of `domains` that another company's provider already has. */
export async function domainsTakenElsewhere(db: Database, companyId: string, domains: readonly string[]): Promise<string[]> {
  if (domains.length === 0) return [];
  const rows = await db
    .select({ domain: companySsoDomains.domain, companyId: companySsoDomains.companyId })
    .from(companySsoDomains)
    .where(inArray(companySsoDomains.domain, [...domains]))
    .all();
  return rows.filter((r) => r.companyId !== companyId).map((r) => r.domain);
}

/**
 * The owners' way back while passwords are off: an unrevoked API key of the company. Setting
 * password sign-in off is guarded by it, in the write itself.
 */
const holdsApiKey = (companyId: string) => sql`EXISTS (SELECT 1 FROM ${apiKeys} WHERE ${apiKeys.companyId} = ${companyId} AND ${apiKeys.revokedAt} IS NULL)`;

/**
 * Sets the company's provider (replacing any) and its domains. A domain another company holds
 * fails the batch on its primary key; switching password sign-in off fails it (the audit guard)
 * unless the company holds an API key.
 */
export function setSsoChange(db: Database, principal: Principal, row: CompanySsoRow, domains: readonly string[]): Change {
  const { companyId: _, ...updates } = row;
  const audit = auditStatement(
    db,
    principal,
    {
      action: "sso.set",
      targetType: "company",
      targetId: row.companyId,
      detail: {
        issuer: row.issuer,
        client_id: row.clientId,
        domains,
        password_sign_in: row.passwordSignIn,
        group_roles: row.groupRoles,
      },
    },
    row.passwordSignIn ? undefined : holdsApiKey(row.companyId),
  );
  const upsert = db.insert(companySso).values(row).onConflictDoUpdate({ target: companySso.companyId, set: updates });
  const clear = db.delete(companySsoDomains).where(eq(companySsoDomains.companyId, row.companyId));
  if (domains.length === 0) return change([audit, upsert, clear] as const);
  return change([audit, upsert, clear, db.insert(companySsoDomains).values(domains.map((domain) => ({ domain, companyId: row.companyId })))] as const);
}

/** Removes the company's provider and its domains: password sign-in is everyone's way in again. */
export function removeSsoChange(db: Database, principal: Principal, companyId: string) {
  return change([
    auditStatement(db, principal, { action: "sso.remove", targetType: "company", targetId: companyId }),
    db.delete(companySsoDomains).where(eq(companySsoDomains.companyId, companyId)),
    db.delete(companySso).where(eq(companySso.companyId, companyId)),
  ] as const);
}

/** A provider's audit rows name it: nobody of the company acted, the provider vouched. */
function providerAudit(db: Database, companyId: string, issuer: string, action: string, user: UserRow, detail: Record<string, unknown>) {
  const insert = db.insert(auditLog).values({
    companyId,
    actorType: "identity_provider",
    actorId: issuer,
    action,
    targetType: "user",
    targetId: user.id,
    detail: { email: user.email, role: user.role, ...detail },
    createdAt: Date.now(),
  });
  return addsToChain(insert, companyId);
}

/** A person the provider signed in for the first time, with no password: they sign in through it. */
export function provisionUserChange(db: Database, user: UserRow, issuer: string, groups: readonly string[]) {
  return change([db.insert(users).values(user), providerAudit(db, user.companyId, issuer, "user.provision", user, { groups: groups.slice(0, 20) })] as const);
}

/**
 * An invited person the provider signed in before they accepted: the provider vouched for the
 * address the invite names, so they are active with the invite's role, and the invite is spent.
 */
export function activateInvitedUserChange(db: Database, user: UserRow, issuer: string, now: number) {
  return change(
    [
      db
        .update(users)
        .set({ status: "active", updatedAt: now })
        .where(and(eq(users.id, user.id), eq(users.companyId, user.companyId), eq(users.status, "invited"))),
      db
        .update(invites)
        .set({ usedAt: now })
        .where(and(eq(invites.companyId, user.companyId), eq(invites.kind, "user"), eq(invites.email, user.email), isNull(invites.usedAt))),
      providerAudit(db, user.companyId, issuer, "user.activate", user, { via: "single sign-on" }),
    ] as const,
    { roots: [{ type: "user", id: user.id }] },
  );
}
