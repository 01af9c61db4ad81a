/**
 * A company's signing keys in D1: reading them, inserting the first ones, and the changes that
 * rotate them and switch their algorithm (each with its guarded audit row). The lifecycle these
 * serve — which key signs, which are published, the caches of imported keys — is
 * signing-keys.ts's. Rows are never deleted: `spiffe_sequence` is derived from them.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { auditStatement } from "../db/audit.ts";
import { type Change, change } from "../db/change.ts";
import type { Database } from "../db/client.ts";
import { companies, signingKeys } from "../db/schema.ts";
import type { SigningAlg } from "../lib/crypto/jwt-svid.ts";
import type { Principal } from "../lib/principal.ts";

export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type NewSigningKeyRow = typeof signingKeys.$inferInsert;

const STATUS_ORDER: Record<SigningKeyRow["status"], number> = { active: 0, next: 1, retired: 2 };

/** Every key row of a company: active first, then next, then retired (newest first). */
export async function companyKeys(db: Database, companyId: string): Promise<SigningKeyRow[]> {
  const rows = await db.select().from(signingKeys).where(eq(signingKeys.companyId, companyId)).orderBy(asc(signingKeys.createdAt)).all();
  return rows.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (b.retiredAt ?? 0) - (a.retiredAt ?? 0));
}

/** Key `kid` of the company, in whatever status. */
export async function findSigningKey(db: Database, companyId: string, kid: string): Promise<SigningKeyRow | undefined> {
  return db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.companyId, companyId), eq(signingKeys.id, kid)))
    .get();
}

/**
 * Inserts `row` only if the company has no key in that status yet and still signs with
 * `row.alg`: one statement, so concurrent first uses cannot both insert.
 */
function insertIfNone(db: Database, row: NewSigningKeyRow) {
  // Values in the table's column order (drizzle's INSERT … SELECT lists every column).
  return db.insert(signingKeys).select(sql`
    SELECT ${row.id}, ${row.companyId}, ${row.alg}, ${JSON.stringify(row.publicJwk)}, ${row.sealedPrivateJwk}, ${row.status}, ${row.createdAt}, ${row.activatedAt ?? null}, NULL
    WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE company_id = ${row.companyId} AND status = ${row.status})
      AND EXISTS (SELECT 1 FROM companies WHERE id = ${row.companyId} AND signing_alg = ${row.alg})`);
}

/**
 * A company's first keys, each inserted only where none of its status exists yet (whoever wins a
 * race of first uses, everyone then reads the same keys). Not a `Change`: nobody decides anything,
 * and nothing is cached that it would invalidate (docs/architecture.md, writes that skip `commit`).
 */
export async function insertFirstSigningKeys(db: Database, rows: readonly NewSigningKeyRow[]): Promise<void> {
  const [first, ...rest] = rows.map((row) => insertIfNone(db, row));
  if (first) await db.batch([first, ...rest]);
}

/** `EXISTS` guard: the row is still in the given status (the compare part of compare-and-set). */
const stillIn = (companyId: string, kid: string, status: SigningKeyRow["status"]) =>
  sql`EXISTS (SELECT 1 FROM signing_keys WHERE company_id = ${companyId} AND id = ${kid} AND status = ${status})`;

/** Retires a next key that never signed, so it is never published again (see signing-keys.ts `isPublished`). */
const retireNext = (db: Database, companyId: string, kid: string, now: number) =>
  db
    .update(signingKeys)
    .set({ status: "retired", retiredAt: now })
    .where(and(eq(signingKeys.companyId, companyId), eq(signingKeys.id, kid), eq(signingKeys.status, "next")));

/**
 * Rotates: next → active, active → retired, `fresh` becomes next. Refused whole (`isGuardFailure`)
 * unless both keys are still in the status the caller read.
 */
export function rotateSigningKeysChange(
  db: Database,
  principal: Principal,
  keys: { active: SigningKeyRow; next: SigningKeyRow; fresh: NewSigningKeyRow },
  forced: boolean,
  now: number,
) {
  const { active, next, fresh } = keys;
  const companyId = principal.companyId;
  const guard = sql`${stillIn(companyId, active.id, "active")} AND ${stillIn(companyId, next.id, "next")}`;
  const detail = { activated: next.id, retired: active.id, next: fresh.id, alg: next.alg, next_alg: fresh.alg, forced };
  return change([
    // First, so its guard sees the state before this batch changes it.
    auditStatement(db, principal, { action: "signing_key.rotate", targetType: "signing_key", targetId: next.id, detail }, guard),
    db
      .update(signingKeys)
      .set({ status: "retired", retiredAt: now })
      .where(and(eq(signingKeys.companyId, companyId), eq(signingKeys.id, active.id), eq(signingKeys.status, "active"))),
    db
      .update(signingKeys)
      .set({ status: "active", activatedAt: now })
      .where(and(eq(signingKeys.companyId, companyId), eq(signingKeys.id, next.id), eq(signingKeys.status, "next"))),
    db.insert(signingKeys).values(fresh),
  ] as const);
}

/**
 * Switches the company's signing algorithm from `from` to `to`. With `replace`, the pending next key
 * (never used to sign) is retired and `fresh`, of the new algorithm, becomes next, guarded on that
 * next key; without, only the setting changes, guarded on `next` still being next, or on the
 * company having no key at all (a first use at the same time is not missed).
 */
export function signingAlgChange(
  db: Database,
  principal: Principal,
  alg: { from: SigningAlg; to: SigningAlg },
  next: SigningKeyRow | undefined,
  replace: { fresh: NewSigningKeyRow; now: number } | undefined,
): Change {
  const companyId = principal.companyId;
  const audit = { action: "company.signing_alg", targetType: "company", targetId: companyId, detail: { from: alg.from, to: alg.to } };
  const setAlg = db.update(companies).set({ signingAlg: alg.to }).where(eq(companies.id, companyId));
  if (next && replace) {
    return change([
      auditStatement(
        db,
        principal,
        { ...audit, detail: { ...audit.detail, replaced_next: next.id, next: replace.fresh.id } },
        stillIn(companyId, next.id, "next"),
      ),
      setAlg,
      retireNext(db, companyId, next.id, replace.now),
      db.insert(signingKeys).values(replace.fresh),
    ] as const);
  }
  const guard = next ? stillIn(companyId, next.id, "next") : sql`NOT EXISTS (SELECT 1 FROM signing_keys WHERE company_id = ${companyId})`;
  return change([auditStatement(db, principal, audit, guard), setAlg] as const);
}
