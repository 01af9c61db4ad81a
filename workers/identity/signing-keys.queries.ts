/**
 * Per-company signing keys and their lifecycle: `next` (published, never signs) → `active`
 * (signs) → `retired` (published until every token it signed has expired, then dropped).
 *
 * A company's first use creates an active key and a next key together, guarded so that two
 * first uses at once create exactly one of each. Rotation promotes next→active, active→retired
 * and publishes a new next, so every key is in the JWKS before it signs. Rows are never deleted:
 * `spiffe_sequence` is derived from them (see {@link spiffeSequence}).
 * Private JWKs are sealed with the company data key, bound to company and kid.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { auditStatement, isGuardFailure } from "../db/audit.ts";
import { companyDataKey } from "../db/data-keys.ts";
import { findCompany } from "../companies/companies.queries.ts";
import { companies, signingKeys } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { AppError, conflict, notFound } from "../lib/app-error.ts";
import { associatedData, openText, sealText } from "../lib/crypto-envelope.ts";
import {
  CLOCK_SKEW_SECONDS,
  generateSigningKeyPair,
  importPrivateKey,
  importPublicKey,
  JWKS_MAX_AGE_SECONDS,
  MAX_TOKEN_TTL_SECONDS,
  parsePublicJwk,
  type PublicJwk,
  type SignerKey,
  type SigningAlg,
} from "../lib/jwt-svid.ts";
import type { Principal } from "../lib/principal.ts";
import { newId } from "../lib/tokens.ts";
import type { CryptoKey as JoseCryptoKey } from "jose";

export type SigningKeyRow = typeof signingKeys.$inferSelect;

/** A retired key stays published until the last token it signed has expired (plus clock skew). */
export const RETIRED_KEY_RETENTION_MS = (MAX_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000;
/** A next key must have been published at least one JWKS cache lifetime before it signs. */
export const NEXT_KEY_MIN_AGE_MS = JWKS_MAX_AGE_SECONDS * 1000;

/** Imported keys per isolate, by kid (random, never reused). Bounded; oldest entries go first. */
const MAX_CACHED_KEYS = 512;
const privateKeys = new Map<string, Promise<JoseCryptoKey>>();
const publicKeys = new Map<string, Promise<JoseCryptoKey>>();

function cached(cache: Map<string, Promise<JoseCryptoKey>>, kid: string, load: () => Promise<JoseCryptoKey>): Promise<JoseCryptoKey> {
  const hit = cache.get(kid);
  if (hit) return hit;
  const key = load();
  cache.set(kid, key);
  key.catch(() => cache.delete(kid));
  if (cache.size > MAX_CACHED_KEYS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return key;
}

/** Published: next and active keys, and retired keys that signed something still unexpired. */
export function isPublished(row: SigningKeyRow, now: number): boolean {
  if (row.status !== "retired") return true;
  return row.activatedAt != null && row.retiredAt != null && row.retiredAt + RETIRED_KEY_RETENTION_MS > now;
}

/** When a retired key leaves the JWKS; null while it is next or active, or if it never signed. */
export function publishedUntil(row: SigningKeyRow): number | null {
  return row.status === "retired" && row.activatedAt != null && row.retiredAt != null ? row.retiredAt + RETIRED_KEY_RETENTION_MS : null;
}

/**
 * The SPIFFE bundle sequence: grows by one whenever the published set changes, i.e. when a key
 * is created (first use, rotation, algorithm switch) and when a retired key's retention ends.
 */
export function spiffeSequence(rows: SigningKeyRow[], now: number): number {
  const expired = rows.filter((r) => r.status === "retired" && r.activatedAt != null && !isPublished(r, now)).length;
  return rows.length + expired;
}

const STATUS_ORDER: Record<SigningKeyRow["status"], number> = { active: 0, next: 1, retired: 2 };

/** Every key row of a company: active first, then next, then retired (newest first). */
export async function companyKeys(db: Database, companyId: string): Promise<SigningKeyRow[]> {
  const rows = await db.select().from(signingKeys).where(eq(signingKeys.companyId, companyId)).orderBy(asc(signingKeys.createdAt)).all();
  return rows.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (b.retiredAt ?? 0) - (a.retiredAt ?? 0));
}

type NewKeyRow = typeof signingKeys.$inferInsert;

async function newKeyRow(db: Database, env: Env, companyId: string, alg: SigningAlg, status: "active" | "next", now: number): Promise<NewKeyRow> {
  const kid = newId("sk");
  const { publicJwk, privateJwk } = await generateSigningKeyPair(alg);
  const dataKey = await companyDataKey(db, env, companyId);
  const sealedPrivateJwk = await sealText(dataKey, privateJwk, associatedData.signingKey(companyId, kid));
  return { id: kid, companyId, alg, publicJwk, sealedPrivateJwk, status, createdAt: now, activatedAt: status === "active" ? now : null };
}

/**
 * Inserts `row` only if the company has no key in that status yet and still signs with
 * `row.alg`: one statement, so concurrent first uses cannot both insert.
 */
function insertIfNone(db: Database, row: NewKeyRow) {
  // Values in the table's column order (drizzle's INSERT … SELECT lists every column).
  return db.insert(signingKeys).select(sql`
    SELECT ${row.id}, ${row.companyId}, ${row.alg}, ${JSON.stringify(row.publicJwk)}, ${row.sealedPrivateJwk}, ${row.status}, ${row.createdAt}, ${row.activatedAt ?? null}, NULL
    WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE company_id = ${row.companyId} AND status = ${row.status})
      AND EXISTS (SELECT 1 FROM companies WHERE id = ${row.companyId} AND signing_alg = ${row.alg})`);
}

/**
 * The company's keys, creating its first active and next keys on first use (in the company's
 * `signing_alg`). Unknown company → 404.
 */
export async function ensureSigningKeys(db: Database, env: Env, companyId: string, now = Date.now()): Promise<SigningKeyRow[]> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const rows = await companyKeys(db, companyId);
    const missing = (["active", "next"] as const).filter((status) => !rows.some((r) => r.status === status));
    if (missing.length === 0) return rows;
    const company = await findCompany(db, companyId);
    if (!company) throw notFound("Company");
    const fresh = await Promise.all(missing.map((status) => newKeyRow(db, env, companyId, company.signingAlg, status, now)));
    const [first, ...rest] = fresh.map((row) => insertIfNone(db, row));
    if (first) await db.batch([first, ...rest]);
    // Read back: whoever won the race, everyone now sees the same keys (or retries if the
    // algorithm changed in between and nothing was inserted).
  }
  throw new AppError(503, "signing_keys_busy", "The signing keys are being changed; try again", { headers: { "Retry-After": "1" } });
}

/** The key that signs now, imported (cached per isolate). Creates the company's keys on first use. */
export async function activeSigner(db: Database, env: Env, companyId: string): Promise<SignerKey> {
  const rows = await ensureSigningKeys(db, env, companyId);
  const active = rows.find((r) => r.status === "active");
  if (!active) throw new AppError(503, "signing_keys_busy", "The signing keys are being changed; try again", { headers: { "Retry-After": "1" } });
  const privateKey = await cached(privateKeys, active.id, async () => {
    const dataKey = await companyDataKey(db, env, companyId);
    const jwk = await openText(dataKey, active.sealedPrivateJwk, associatedData.signingKey(companyId, active.id));
    return importPrivateKey(jwk, active.alg);
  });
  return { kid: active.id, alg: active.alg, privateKey };
}

/**
 * The public key for `kid` if it belongs to this company and may have signed a token that is
 * still valid: active, or retired within retention. A `next` key has never signed, so a token
 * naming it is refused.
 */
export async function verificationKey(
  db: Database,
  companyId: string,
  kid: string,
  now = Date.now(),
): Promise<{ alg: SigningAlg; publicKey: JoseCryptoKey } | undefined> {
  const row = await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.companyId, companyId), eq(signingKeys.id, kid)))
    .get();
  if (!row || row.status === "next" || !isPublished(row, now)) return undefined;
  const publicKey = await cached(publicKeys, row.id, () => importPublicKey(parsePublicJwk(row.publicJwk), row.alg));
  return { alg: row.alg, publicKey };
}

export type PublishedKey = PublicJwk & { kid: string; alg: SigningAlg };

/** The public keys a verifier needs now (next, active, retired within retention). */
export async function publishedKeys(db: Database, env: Env, companyId: string, now = Date.now()): Promise<{ keys: PublishedKey[]; sequence: number }> {
  const rows = await ensureSigningKeys(db, env, companyId, now);
  const keys = rows.filter((r) => isPublished(r, now)).map((r) => ({ ...parsePublicJwk(r.publicJwk), kid: r.id, alg: r.alg }));
  return { keys, sequence: spiffeSequence(rows, now) };
}

const busy = () => conflict("signing_keys_changed", "The signing keys changed concurrently; try again");

/** `EXISTS` guard: the row is still in the given status (the compare part of compare-and-set). */
const stillIn = (companyId: string, kid: string, status: SigningKeyRow["status"]) =>
  sql`EXISTS (SELECT 1 FROM signing_keys WHERE company_id = ${companyId} AND id = ${kid} AND status = ${status})`;

export type RotationResult = { activated: string; retired: string; next: string };

/**
 * Rotates: next → active, active → retired, new next (in the company's current algorithm).
 * Refuses (409 `next_key_too_new`) while the next key has been published for less than one
 * JWKS cache lifetime, unless `force` (e.g. a suspected key compromise).
 */
export async function rotateSigningKeys(db: Database, env: Env, principal: Principal, options: { force: boolean; now?: number }): Promise<RotationResult> {
  const now = options.now ?? Date.now();
  const companyId = principal.companyId;
  const rows = await ensureSigningKeys(db, env, companyId, now);
  const active = rows.find((r) => r.status === "active");
  const next = rows.find((r) => r.status === "next");
  if (!active || !next) throw busy();
  const age = now - next.createdAt;
  if (!options.force && age < NEXT_KEY_MIN_AGE_MS) {
    const wait = Math.ceil((NEXT_KEY_MIN_AGE_MS - age) / 1000);
    throw new AppError(
      409,
      "next_key_too_new",
      `The next key was published ${Math.floor(age / 1000)} s ago; verifiers may cache the JWKS for ${JWKS_MAX_AGE_SECONDS} s. Retry in ${wait} s, or pass force=true`,
      { headers: { "Retry-After": String(wait) } },
    );
  }
  const company = await findCompany(db, companyId);
  if (!company) throw notFound("Company");
  const fresh = await newKeyRow(db, env, companyId, company.signingAlg, "next", now);
  const guard = sql`${stillIn(companyId, active.id, "active")} AND ${stillIn(companyId, next.id, "next")}`;
  const detail = { activated: next.id, retired: active.id, next: fresh.id, alg: next.alg, next_alg: fresh.alg, forced: options.force };
  try {
    await db.batch([
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
    ]);
  } catch (error) {
    if (isGuardFailure(error)) throw busy();
    throw error;
  }
  return { activated: next.id, retired: active.id, next: fresh.id };
}

/**
 * Switches the company's signing algorithm. The switch never makes an unpublished key sign:
 * the pending next key is replaced by one of the new algorithm (the old one never signed, so it
 * is dropped at once) and the active key keeps signing until the next rotation.
 */
export async function setSigningAlg(db: Database, env: Env, principal: Principal, alg: SigningAlg, now = Date.now()): Promise<void> {
  const companyId = principal.companyId;
  for (let attempt = 0; attempt < 3; attempt++) {
    const company = await findCompany(db, companyId);
    if (!company) throw notFound("Company");
    const rows = await companyKeys(db, companyId);
    const next = rows.find((r) => r.status === "next");
    const audit = { action: "company.signing_alg", targetType: "company", targetId: companyId, detail: { from: company.signingAlg, to: alg } };
    const setAlg = db.update(companies).set({ signingAlg: alg }).where(eq(companies.id, companyId));
    try {
      if (!next || next.alg === alg) {
        if (company.signingAlg === alg) return;
        // No next key to replace: either no keys yet (first use will create them in `alg`) or
        // the next key already has it. Guarded so a concurrent first use is not missed.
        const guard = next ? stillIn(companyId, next.id, "next") : sql`NOT EXISTS (SELECT 1 FROM signing_keys WHERE company_id = ${companyId})`;
        await db.batch([auditStatement(db, principal, audit, guard), setAlg]);
        return;
      }
      const fresh = await newKeyRow(db, env, companyId, alg, "next", now);
      await db.batch([
        auditStatement(db, principal, { ...audit, detail: { ...audit.detail, replaced_next: next.id, next: fresh.id } }, stillIn(companyId, next.id, "next")),
        setAlg,
        // Never activated, so never published again (see isPublished).
        db
          .update(signingKeys)
          .set({ status: "retired", retiredAt: now })
          .where(and(eq(signingKeys.companyId, companyId), eq(signingKeys.id, next.id), eq(signingKeys.status, "next"))),
        db.insert(signingKeys).values(fresh),
      ]);
      return;
    } catch (error) {
      if (!isGuardFailure(error)) throw error;
    }
  }
  throw busy();
}
